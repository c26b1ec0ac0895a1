namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// References to grains of one interface, made without Orleans' per-call lookup: <c>GetGrain&lt;T&gt;(key)</c>
/// resolves the grain interface by reflection over its attributes on every call (5 % of a gateway's CPU per
/// reconnect in a profile, docs/performance.md "Cluster shape"). The grain type and interface type are read once,
/// from a first reference; each later reference is built from them and the key. A failed first read is not kept
/// (<see cref="LazyThreadSafetyMode.PublicationOnly"/>): a connection that arrives before the Orleans client has the
/// cluster manifest fails alone, where a cached failure refused every connection of the gateway's life (issue 18: a
/// gateway started right after redis came back empty, Tests/Reliability/MembershipStoreLossTests).
/// </summary>
public sealed class GrainReferences<TGrain>(IGrainFactory grains)
    where TGrain : IGrainWithStringKey
{
    private readonly Lazy<(GrainType Type, GrainInterfaceType Interface)> _types = new(() =>
    {
        var first = (GrainReference)(object)grains.GetGrain<TGrain>("-");
        return (first.GrainId.Type, first.InterfaceType);
    }, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>
    /// Whether the grain type is known yet: false while the Orleans client has not started or has no cluster
    /// manifest naming an implementation (Orleans throws until then; only that window pays for the exception).
    /// </summary>
    public bool IsKnown
    {
        get
        {
            try
            {
                _ = _types.Value;
                return true;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or OrleansException)
            {
                return false;
            }
        }
    }

    public TGrain Get(string key)
    {
        var (type, @interface) = _types.Value;
        return (TGrain)grains.GetGrain(GrainId.Create(type, key), @interface);
    }
}
