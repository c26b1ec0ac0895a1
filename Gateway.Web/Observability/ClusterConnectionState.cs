namespace OrleansChat.Gateway.Observability;

/// <summary>
/// Client mode: how many silo gateways this Orleans client is connected to, as Orleans reports it. Read by the
/// readiness check, so readiness costs no grain call: one slow grain or one silo's crash cannot mark every gateway
/// not ready at once.
/// </summary>
public sealed class ClusterConnectionState : IClusterConnectionStatusObserver
{
    private const int Unknown = -1;

    // Orleans may connect without reporting a count change; until it reports one, a started client counts as connected.
    private volatile int _connectedGateways = Unknown;

    /// <summary>Connected silo gateways; null until Orleans has reported a count.</summary>
    public int? ConnectedGateways => _connectedGateways == Unknown ? null : _connectedGateways;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        _connectedGateways = currentNumberOfGateways;

    public void NotifyClusterConnectionLost() => _connectedGateways = 0;
}
