namespace OrleansChat.Gateway.Limits;

/// <summary>
/// <c>Sockets:AllowedOrigins</c>: which web pages may open a socket. Browsers always send <c>Origin</c> on an upgrade,
/// so a page elsewhere cannot ride a user's token; native clients and mini-programs send none and are let through
/// (they are not subject to a page's same-origin rules in the first place).
/// </summary>
/// <remarks>
/// Not <c>WebSocketOptions.AllowedOrigins</c>: the platform's middleware answers a bare 403 before our endpoint runs,
/// while docs/protocol.md promises the JSON error <c>{"code":"forbidden"}</c> that clients branch on (asserted in
/// LimitTests), and the check here runs after the drain check so a draining gateway answers 503 first.
/// </remarks>
public static class OriginAllowList
{
    /// <summary>An empty list allows every origin; otherwise the origin (scheme://host[:port]) must be listed exactly, case aside.</summary>
    public static bool Allows(IReadOnlyCollection<string> allowed, string? origin) =>
        allowed.Count == 0
        || string.IsNullOrEmpty(origin)
        || allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
}
