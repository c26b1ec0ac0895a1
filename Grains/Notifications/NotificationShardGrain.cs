using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// The worker of one outbox shard. Orleans' single activation per key is what keeps two silos from delivering the
/// same entry; the state that matters (what is due, what is done) is in the durable outbox, so a shard whose silo died
/// is reactivated by the next poke on another silo and resumes there. An entry being delivered when its silo died
/// was not marked done and is delivered again: at least once, under the same id.
/// </summary>
public sealed partial class NotificationShardGrain(
    NotificationDispatcher dispatcher,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationShardGrain> logger) : Grain, INotificationShardGrain
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    /// <summary>The last pass started; the next starts after it (a background loop and a direct <see cref="RunPass"/> may otherwise interleave).</summary>
    private Task<int> _pass = Task.FromResult(0);

    private Task _loop = Task.CompletedTask;
    private bool _again;
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    private int Shard => (int)this.GetPrimaryKeyLong();

    public Task Poke(bool urgent)
    {
        if (!urgent && time.GetUtcNow() - _lastPass < options.Value.PollInterval * 0.8)
        {
            return Task.CompletedTask; // another silo's poke of this interval already ran a pass
        }

        _again = true;
        if (_loop.IsCompleted)
        {
            _loop = LoopAsync();
        }

        return Task.CompletedTask;
    }

    public async Task<int> RunPass() => await PassAsync();

    /// <summary>Passes until no poke came in during the last: pokes that arrive while a pass runs make one more pass, not one each.</summary>
    private async Task LoopAsync()
    {
        while (_again)
        {
            _again = false;
            try
            {
                // A full pass means more may be due right now: go again instead of waiting for the next poke.
                _again |= await PassAsync() >= options.Value.BatchSize;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPassFailed(e, Shard); // the database is unreachable, say: the next poke tries again
                return;
            }
        }
    }

    private Task<int> PassAsync() => _pass = PassAfterAsync(_pass);

    private async Task<int> PassAfterAsync(Task previous)
    {
        await previous.ContinueWith(static _ => { }, TaskScheduler.Current); // its failure was its caller's to handle
        _lastPass = time.GetUtcNow();
        var finished = await dispatcher.RunPassAsync(Shard);
        if (_lastPass - _lastPurge >= PurgeInterval)
        {
            _lastPurge = _lastPass;
            await dispatcher.PurgeAsync(Shard);
        }

        return finished;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification shard {Shard}: a pass failed; the next poke retries")]
    private partial void LogPassFailed(Exception exception, int shard);
}
