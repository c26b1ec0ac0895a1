using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// Media and avatar URLs: absolute https (<see cref="MediaUrl"/>) and, when <c>Protocol:MediaHosts</c> lists any,
/// on one of those hosts, so clients only ever fetch media from where the operator stores it.
/// </summary>
public sealed class MediaUrlPolicy(IOptions<ProtocolOptions> options)
{
    private readonly string[] _hosts = options.Value.MediaHosts;

    /// <summary>Null when <paramref name="url"/> may be used, else what is wrong with it (naming <paramref name="field"/>).</summary>
    public string? Problem(string url, string field) =>
        !MediaUrl.IsAllowed(url) ? $"{field} must be an absolute https URL"
        : !IsAllowedHost(new Uri(url).IdnHost) ? $"{field} must be on an allowed media host"
        : null;

    /// <summary>No entries: any host. <c>cdn.example.com</c> matches that host only; <c>*.example.com</c> any host below example.com, not example.com itself.</summary>
    private bool IsAllowedHost(string host) =>
        _hosts.Length == 0 || _hosts.Any(entry => Matches(entry.Trim(), host));

    private static bool Matches(string entry, string host) =>
        entry.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase) && host.Length > entry.Length - 1
            : string.Equals(entry, host, StringComparison.OrdinalIgnoreCase);
}
