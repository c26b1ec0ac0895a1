using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansChat.Hosting.Clustering;

/// <summary>
/// Writes this silo's membership row back when the membership store lost it (a redis restarted without
/// persistence, a failover to an empty replica). Orleans writes a silo's row only when it joins: after such a loss
/// the running silos keep serving from their views, but gateways refreshing their lists find no silo and stop,
/// and a silo starting then finds an empty table and forms a cluster of its own. So every
/// <see cref="CheckPeriod"/> an active silo reads the table and, if its row is missing, inserts it again and
/// raises the table's version above the one its view holds: silos accept only a newer table than they have seen,
/// and a table started again from version 0 would be ignored until it caught up.
/// </summary>
public sealed partial class MembershipRowKeeper(
    IMembershipTable table,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    ILogger<MembershipRowKeeper> logger) : BackgroundService
{
    /// <summary>How often the table is checked: one read of the membership hash per silo, cheap next to the refreshes Orleans makes.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckPeriod);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RestoreIfMissingAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, e.Message); // the store is down: the next tick tries again
            }
        }
    }

    /// <summary>Inserts this silo's row if the table lacks it, then raises the version past this silo's view; whether it wrote.</summary>
    public async Task<bool> RestoreIfMissingAsync(CancellationToken cancel)
    {
        if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) != SiloStatus.Active)
        {
            return false; // joining or leaving: Orleans itself writes the row then
        }

        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, cancel); // an emptied store lacks the version row too
        var data = await table.ReadAllAsync(cancel);
        if (data.Members.Any(m => m.Item1.SiloAddress.Equals(silo.SiloAddress)))
        {
            return false;
        }

        LogRestoring(logger, silo.SiloAddress.ToString());
        var entry = new MembershipEntry
        {
            SiloAddress = silo.SiloAddress,
            SiloName = silo.Name,
            HostName = silo.DnsHostName,
            Status = SiloStatus.Active,
            ProxyPort = silo.GatewayAddress?.Endpoint.Port ?? 0,
            StartTime = DateTime.UtcNow,
            IAmAliveTime = DateTime.UtcNow,
        };
        if (!await table.InsertRowAsync(entry, data.Version.Next(), cancel))
        {
            return false; // another writer was first: the next tick looks again
        }

        await RaiseVersionAsync(entry, membership.CurrentSnapshot.Version.Value, cancel);
        return true;
    }

    /// <summary>Rewrites the row (conditional writes, one version step each) until the table's version passes <paramref name="seen"/>.</summary>
    private async Task RaiseVersionAsync(MembershipEntry entry, long seen, CancellationToken cancel)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var data = await table.ReadAllAsync(cancel);
            if (data.Version.Version > seen)
            {
                return;
            }

            var mine = data.Members.FirstOrDefault(m => m.Item1.SiloAddress.Equals(entry.SiloAddress));
            if (mine is null)
            {
                return;
            }

            mine.Item1.IAmAliveTime = DateTime.UtcNow;
            await table.UpdateRowAsync(mine.Item1, mine.Item2, data.Version.Next(), cancel); // lost a race: read again and retry
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo's membership row ({Silo}) is missing from the membership store (it lost its data): writing it back")]
    private static partial void LogRestoring(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership row check failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
