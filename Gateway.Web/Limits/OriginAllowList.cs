namespace OrleansChat.Gateway.Limits;

/// <summary>
/// <c>Sockets:AllowedOrigins</c>: which web pages may open a socket. Browsers always send <c>Origin</c> on an upgrade,
/// so a page elsewhere cannot ride a user's token; native clients and mini-programs send none and are let through
/// (they are not subject to a page's same-origin rules in the first place).
/// </summary>
public static class OriginAllowList
{
    /// <summary>An empty list allows every origin; otherwise the origin (scheme://host[:port]) must be listed exactly, case aside.</summary>
    public static bool Allows(IReadOnlyCollection<string> allowed, string? origin) =>
        allowed.Count == 0
        || string.IsNullOrEmpty(origin)
        || allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
}
