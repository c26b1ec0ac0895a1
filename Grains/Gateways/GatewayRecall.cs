namespace OrleansChat.Grains.Gateways;

/// <summary>What one gateway answered an activating grain: the grain's members (users or connection ids) it holds.</summary>
public sealed record RecalledGateway(GatewayRef Gateway, string[] Members);

/// <summary>The answers of an activation's first ask, and whether everyone answered (else later answers follow).</summary>
public sealed record Recall(IReadOnlyList<RecalledGateway> Answers, bool Complete);

/// <summary>
/// How a room or user grain learns, as it activates, which gateways hold its members: it asks every live gateway
/// once (one call to <see cref="IGatewayDirectoryGrain"/>, then one per gateway, in parallel). Without it a grain
/// reactivated after its silo died knew nobody until the gateways' next renewal, up to a third of
/// <c>Chat:SubscriptionExpiry</c> later (30 s by default), and every live message meanwhile was lost to connected
/// clients. A recall that could not ask everyone (the directory unreachable, as when it died on the same silo and
/// the cluster has not declared that silo dead yet, or a gateway not answering in time, as on a loaded machine) is
/// asked again on a grain timer after 1, 2, 4, 8 and 16 s until it is complete (Tests/Grains/GatewayRecallRetryTests).
/// Without it, a connected member of a room whose silo was killed missed live messages until the renewal whenever
/// the one ask failed. The directory names every gateway that holds sockets, because a gateway takes none before it
/// is listed (<c>LocalGateway.IsListed</c> in Gateway.Web). The renewal stays the repair for anything still missed.
/// </summary>
public static class GatewayRecall
{
    /// <summary>
    /// A gateway answers from memory in about a millisecond; this bounds what a dead gateway still listed (until its
    /// expiry) or a stalled one adds to an activation, which the call that caused it waits for.
    /// </summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The waits before each ask again of an incomplete recall.</summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16)];

    /// <summary>
    /// Every live gateway's answer to <paramref name="ask"/> that names at least one member; never throws. When not
    /// everyone could be asked, asks again later on a timer of <paramref name="grain"/> and hands each later answer to
    /// <paramref name="renew"/> (the grain's own renewal method, so that what changes is announced as a renewal is).
    /// </summary>
    public static async Task<Recall> AskAsync(
        IGrainBase grain, IGrainFactory grains, Func<IGatewayObserver, Task<string[]>> ask, Func<RecalledGateway, Task> renew)
    {
        var (answers, complete) = await AskOnceAsync(grains, ask);
        if (!complete)
        {
            AskAgainLater(grain, grains, ask, renew, attempt: 0);
        }

        return new Recall(answers, complete);
    }

    private static void AskAgainLater(
        IGrainBase grain, IGrainFactory grains, Func<IGatewayObserver, Task<string[]>> ask, Func<RecalledGateway, Task> renew, int attempt)
    {
        if (attempt >= RetryDelays.Count)
        {
            return; // the gateways' renewals repair what is still missing
        }

        // Interleaved: while it waits for the answers (up to AnswerTimeout from a dead gateway still listed) the grain
        // serves its calls; the renewals it then makes are synchronous, as when a gateway's renewal arrives.
        IGrainTimer? timer = null;
        timer = grain.RegisterGrainTimer(async _ =>
        {
            timer?.Dispose();
            var (answers, complete) = await AskOnceAsync(grains, ask);
            foreach (var answer in answers)
            {
                await renew(answer);
            }

            if (!complete)
            {
                AskAgainLater(grain, grains, ask, renew, attempt + 1);
            }
        }, new GrainTimerCreationOptions(RetryDelays[attempt], Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    /// <summary>The answers naming members, and whether the directory and every gateway it listed answered.</summary>
    private static async Task<(IReadOnlyList<RecalledGateway> Answers, bool Complete)> AskOnceAsync(
        IGrainFactory grains, Func<IGatewayObserver, Task<string[]>> ask)
    {
        IReadOnlyList<GatewayRef> gateways;
        try
        {
            gateways = await grains.GetGrain<IGatewayDirectoryGrain>(0).GetLive().WaitAsync(AnswerTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ([], false);
        }

        var answers = await Task.WhenAll(gateways.Select(gateway => AskOneAsync(gateway, ask)));
        return ([.. answers.OfType<RecalledGateway>().Where(a => a.Members.Length > 0)], answers.All(a => a is not null));
    }

    /// <summary>A gateway's answer, or null when it is dead or slow (its own renewal re-registers it if it lives).</summary>
    private static async Task<RecalledGateway?> AskOneAsync(GatewayRef gateway, Func<IGatewayObserver, Task<string[]>> ask)
    {
        try
        {
            return new RecalledGateway(gateway, await ask(gateway.Observer).WaitAsync(AnswerTimeout));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }
}
