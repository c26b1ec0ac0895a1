using System.Net;

namespace OrleansChat.Gateway.Hosting;

/// <summary>
/// Which reverse proxies (the ingress) this gateway believes about the client's address (section "ForwardedHeaders").
/// Only a request whose direct peer is listed has its <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> applied, so
/// the per-address limits and the logs see the user instead of the ingress. Both lists empty (the default): the
/// headers are ignored, since anyone could send them.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.7</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>10.244.0.0/16</c> (a cluster's pod network).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxy hops (entries of <c>X-Forwarded-For</c>, from the right) are applied.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>The proxies as addresses; throws, naming the bad entry, when one does not parse.</summary>
    public IEnumerable<IPAddress> ParsedProxies() => KnownProxies.Select(p => IPAddress.TryParse(p, out var address)
        ? address
        : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{p}' is not an IP address"));

    /// <summary>The networks as CIDR ranges; throws, naming the bad entry, when one does not parse.</summary>
    public IEnumerable<IPNetwork> ParsedNetworks() => KnownNetworks.Select(n => IPNetwork.TryParse(n, out var network)
        ? network
        : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks: '{n}' is not a CIDR network such as 10.244.0.0/16"));
}
