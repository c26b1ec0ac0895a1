namespace OrleansChat.Grains.Gateways;

/// <summary>What one gateway answered an activating grain: the grain's members (users or connection ids) it holds.</summary>
public sealed record RecalledGateway(GatewayRef Gateway, string[] Members);

/// <summary>
/// How a room or user grain learns, as it activates, which gateways hold its members: it asks every live gateway
/// once (one call to <see cref="IGatewayDirectoryGrain"/>, then one per gateway, in parallel). Without it a grain
/// reactivated after its silo died knew nobody until the gateways' next renewal, up to a third of
/// <c>Chat:SubscriptionExpiry</c> later (30 s by default), and every live message meanwhile was lost to connected
/// clients. The renewal stays the repair for anything this misses (a gateway that does not answer in time).
/// </summary>
public static class GatewayRecall
{
    /// <summary>
    /// A gateway answers from memory in about a millisecond; this bounds what a dead gateway still listed (until its
    /// expiry) or a stalled one adds to an activation, which the call that caused it waits for.
    /// </summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Every live gateway's answer to <paramref name="ask"/> that names at least one member; never throws.</summary>
    public static async Task<IReadOnlyList<RecalledGateway>> AskAsync(IGrainFactory grains, Func<IGatewayObserver, Task<string[]>> ask)
    {
        IReadOnlyList<GatewayRef> gateways;
        try
        {
            gateways = await grains.GetGrain<IGatewayDirectoryGrain>(0).GetLive().WaitAsync(AnswerTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return []; // the directory is unreachable right now: the renewals repair, as before it existed
        }

        var answers = await Task.WhenAll(gateways.Select(gateway => AskOneAsync(gateway, ask)));
        return [.. answers.Where(a => a.Members.Length > 0)];
    }

    private static async Task<RecalledGateway> AskOneAsync(GatewayRef gateway, Func<IGatewayObserver, Task<string[]>> ask)
    {
        try
        {
            return new RecalledGateway(gateway, await ask(gateway.Observer).WaitAsync(AnswerTimeout));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new RecalledGateway(gateway, []); // dead or slow: its own renewal re-registers it if it lives
        }
    }
}
