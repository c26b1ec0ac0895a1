namespace OrleansChat.Gateway.Auth;

/// <summary>
/// Where a client may put its token. Browsers cannot set headers on a WebSocket upgrade, so besides
/// <c>Authorization: Bearer</c> the upgrade also takes <c>?access_token=</c> and a <c>bearer.TOKEN</c> entry in
/// <c>Sec-WebSocket-Protocol</c>.
/// </summary>
public static class BearerToken
{
    public const string SubProtocol = "orleanschat.v1";
    public const string SubProtocolPrefix = "bearer.";
    private const string Scheme = "Bearer ";

    public static string? FromAuthorizationHeader(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? NullIfEmpty(header[Scheme.Length..].Trim()) : null;
    }

    /// <summary>The token of an upgrade request: query first, then the header, then the sub-protocol list.</summary>
    public static string? FromUpgrade(HttpContext context) =>
        NullIfEmpty(context.Request.Query["access_token"].ToString())
        ?? FromAuthorizationHeader(context.Request)
        ?? FromSubProtocols(context.WebSockets.WebSocketRequestedProtocols);

    /// <summary>The sub-protocol to select: ours when offered (a browser fails the upgrade if none is selected).</summary>
    public static string? SelectSubProtocol(IList<string> offered) =>
        offered.Contains(SubProtocol, StringComparer.Ordinal) ? SubProtocol : null;

    private static string? FromSubProtocols(IList<string> offered) =>
        offered.FirstOrDefault(p => p.StartsWith(SubProtocolPrefix, StringComparison.Ordinal)) is { } entry
            ? NullIfEmpty(entry[SubProtocolPrefix.Length..])
            : null;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
