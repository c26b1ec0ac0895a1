using OrleansChat.Grains;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// What tests observe inside a chat grain that no production caller needs, kept off the production contracts: a grain
/// extension the test silos install (<see cref="AddGrainInspection"/>); call it with <c>grain.AsReference&lt;IGrainInspection&gt;()</c>.
/// </summary>
public interface IGrainInspection : IGrainExtension
{
    /// <summary>A room: how many gateways it would notify now.</summary>
    Task<int> GetSubscribedGatewayCount();

    /// <summary>A private chat: its state, as its actions answer it.</summary>
    Task<DmState> GetDmState();

    /// <summary>Any grain: deactivates it once this call returns (the next call activates it afresh, as after a move).</summary>
    Task Deactivate();
}

public static class GrainInspectionExtensions
{
    public static ISiloBuilder AddGrainInspection(this ISiloBuilder silo) => silo.AddGrainExtension<IGrainInspection, GrainInspection>();

    public static Task<int> GetSubscribedGatewayCount(this IGroupRoomGrain room) => room.AsReference<IGrainInspection>().GetSubscribedGatewayCount();

    public static Task<DmState> GetState(this IPrivateChatGrain chat) => chat.AsReference<IGrainInspection>().GetDmState();

    public static Task Deactivate(this IAddressable grain) => grain.AsReference<IGrainInspection>().Deactivate();
}

internal sealed class GrainInspection(IGrainContext context) : IGrainInspection
{
    public Task<int> GetSubscribedGatewayCount() => Task.FromResult(Grain<GroupRoomGrain>().SubscribedGatewayCount);

    public Task<DmState> GetDmState() => Task.FromResult(Grain<PrivateChatGrain>().Snapshot());

    public Task Deactivate()
    {
        context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "a test"));
        return Task.CompletedTask;
    }

    private T Grain<T>() => context.GrainInstance is T grain ? grain : throw new InvalidOperationException($"{context.GrainId} is not a {typeof(T).Name}");
}
