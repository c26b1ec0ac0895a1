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

    /// <summary>
    /// The token of an upgrade request (empty: none): query first, then the header, then the sub-protocol list. From
    /// the query (how browsers send it) it is a slice of the request's own string, so a reconnect whose token was
    /// verified before allocates no copy of it (<see cref="TokenService.ValidateAsync(ReadOnlyMemory{char})"/>).
    /// </summary>
    public static ReadOnlyMemory<char> FromUpgrade(HttpContext context)
    {
        var fromQuery = FromQuery(context.Request);
        if (!fromQuery.IsEmpty)
        {
            return fromQuery;
        }

        return (FromAuthorizationHeader(context.Request) ?? FromSubProtocols(context.WebSockets.WebSocketRequestedProtocols)).AsMemory();
    }

    /// <summary>
    /// <c>access_token</c> of the query, read from the raw query string rather than through <c>Request.Query</c>,
    /// which copies and unescapes every parameter into a dictionary on every upgrade (a reconnect storm's second
    /// largest source of strings after Kestrel's own, dotnet-trace's allocation sampling). A query with an escape
    /// (<c>%</c> or <c>+</c>) takes the parser: a JWT is base64url and never has one.
    /// </summary>
    public static ReadOnlyMemory<char> FromQuery(HttpRequest request)
    {
        const string Key = "access_token=";
        var query = request.QueryString.Value.AsMemory();
        if (query.Span.IndexOfAny('%', '+') >= 0)
        {
            return request.Query["access_token"].ToString().AsMemory();
        }

        var rest = query.Span.StartsWith('?') ? query[1..] : query;
        while (!rest.IsEmpty)
        {
            var end = rest.Span.IndexOf('&');
            var pair = end < 0 ? rest : rest[..end];
            if (pair.Span.StartsWith(Key, StringComparison.OrdinalIgnoreCase))
            {
                return pair[Key.Length..];
            }

            rest = end < 0 ? ReadOnlyMemory<char>.Empty : rest[(end + 1)..];
        }

        return ReadOnlyMemory<char>.Empty;
    }

    /// <summary>The sub-protocol to select: ours when offered (a browser fails the upgrade if none is selected).</summary>
    public static string? SelectSubProtocol(IList<string> offered) =>
        offered.Contains(SubProtocol, StringComparer.Ordinal) ? SubProtocol : null;

    private static string? FromSubProtocols(IList<string> offered) =>
        offered.FirstOrDefault(p => p.StartsWith(SubProtocolPrefix, StringComparison.Ordinal)) is { } entry
            ? NullIfEmpty(entry[SubProtocolPrefix.Length..])
            : null;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
