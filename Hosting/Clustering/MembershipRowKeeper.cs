using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansChat.Hosting.Clustering;

/// <summary>
/// Writes this silo's membership row back when the membership store lost it (a redis restarted without
/// persistence, a failover to an empty replica). Orleans writes a silo's row only when it joins: after such a loss
/// the running silos keep serving from their views, but gateways refreshing their lists find no silo and stop,
/// and a silo starting then finds an empty table and forms a cluster of its own. So every
/// <see cref="CheckPeriod"/> an active silo reads the table and, if its row is missing, inserts it again. Once
/// every silo its view holds active has its row back, it raises the table's version above the one its view holds:
/// silos accept only a newer table than they have seen, and a table started again from version 0 would be ignored
/// until it caught up. Not before: a silo that reads a newer table without its own row takes itself for dead and
/// stops. A silo that has not written its row back after <see cref="WaitForOthers"/> is taken for gone (it died
/// during the loss, or will stop) and the version is raised anyway.
/// </summary>
public sealed partial class MembershipRowKeeper(
    IMembershipTable table,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    ILogger<MembershipRowKeeper> logger) : BackgroundService
{
    /// <summary>How often the table is checked: one read of the membership hash per silo, cheap next to the refreshes Orleans makes.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(3);

    /// <summary>How long the version waits for the other silos' rows (each writes its own within a <see cref="CheckPeriod"/>).</summary>
    public static readonly TimeSpan WaitForOthers = TimeSpan.FromSeconds(30);

    private long? _raisePast; // the version this silo's view held when it wrote its row back, until the table passes it
    private DateTime _restoredAt;

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

    /// <summary>Inserts this silo's row if the table lacks it (whether it did), or raises the version once the rows are back.</summary>
    public async Task<bool> RestoreIfMissingAsync(CancellationToken cancel)
    {
        if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) != SiloStatus.Active)
        {
            return false; // joining or leaving: Orleans itself writes the row then
        }

        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, cancel); // an emptied store lacks the version row too
        var data = await table.ReadAllAsync(cancel);
        var seen = membership.CurrentSnapshot.Version.Value;
        if (data.Members.Any(m => m.Item1.SiloAddress.Equals(silo.SiloAddress)))
        {
            if (_raisePast is { } target && (data.Version.Version > target || OthersBack(data) || DateTime.UtcNow - _restoredAt > WaitForOthers))
            {
                await RaiseVersionAsync(silo.SiloAddress, target, cancel);
                _raisePast = null;
            }

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
            return false; // another writer was first: look again next tick
        }

        (_raisePast, _restoredAt) = (seen, DateTime.UtcNow);
        return true;
    }

    /// <summary>Whether every silo this silo's view holds active has a row in the table again.</summary>
    private bool OthersBack(MembershipTableData data) =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
            .All(m => data.Members.Any(row => row.Item1.SiloAddress.Equals(m.SiloAddress)));

    /// <summary>Rewrites this silo's row (conditional writes, one version step each) until the table's version passes <paramref name="seen"/>.</summary>
    private async Task RaiseVersionAsync(SiloAddress self, long seen, CancellationToken cancel)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var data = await table.ReadAllAsync(cancel);
            var mine = data.Members.FirstOrDefault(m => m.Item1.SiloAddress.Equals(self));
            if (data.Version.Version > seen || mine is null)
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
