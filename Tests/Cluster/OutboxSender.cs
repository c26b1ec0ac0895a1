using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Cluster;

/// <summary>
/// One user sending messages like the SDK does: each send has its own client id and stays in the outbox until it
/// is acknowledged; an error reply or a reply that does not come in time is answered by resending the same id.
/// One message in flight at a time, round-robin over the user's conversations.
/// </summary>
public sealed class OutboxSender(ChatClient client, string userId, IReadOnlyList<OutboxSender.Target> targets)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(40);

    private readonly ConcurrentQueue<AckedMessage> _acked = new();
    private int _next;
    private int _errors;
    private int _timeouts;

    /// <summary>A conversation this user sends to, and the frame that sends a text to it under a given client id.</summary>
    public sealed record Target(string Conv, Func<string, string, object> Frame);

    public string UserId => userId;

    public ChatClient Client => client;

    public IReadOnlyList<Target> Targets => targets;

    public IReadOnlyCollection<AckedMessage> Acked => _acked;

    public int AckedCount => _acked.Count;

    /// <summary>Error replies that were answered with a resend.</summary>
    public int Errors => _errors;

    /// <summary>Attempts that got no reply in time and were resent.</summary>
    public int Timeouts => _timeouts;

    /// <summary>Sends one message to every conversation (so each conversation grain is active before the crash).</summary>
    public async Task SendToEachAsync()
    {
        foreach (var target in targets)
        {
            await SendUntilAckedAsync(target);
        }
    }

    /// <summary>Sends until <paramref name="stop"/> is cancelled; the message in flight then is still sent to its ack.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await SendUntilAckedAsync(targets[_next % targets.Count]);
            try
            {
                await Task.Delay(Pace, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendUntilAckedAsync(Target target)
    {
        var clientId = $"m{Interlocked.Increment(ref _next)}";
        var giveUp = Stopwatch.StartNew();
        while (true)
        {
            var repliesBefore = client.Count(f => f.Re == clientId);
            await client.SendAsync(target.Frame(clientId, $"{userId} says {clientId}"));
            var reply = await ReplyAfterAsync(clientId, repliesBefore);
            if (reply?.Type == "ack")
            {
                _acked.Enqueue(new AckedMessage(target.Conv, reply.Number("seq"), userId, clientId));
                return;
            }

            _ = reply is null ? Interlocked.Increment(ref _timeouts) : Interlocked.Increment(ref _errors);
            if (giveUp.Elapsed > GiveUpAfter)
            {
                throw new TimeoutException($"{userId} could not get {clientId} to {target.Conv} acknowledged within {GiveUpAfter}; last reply: {reply}");
            }
        }
    }

    /// <summary>An ack for the id (from any attempt), else the next new reply, else null after the attempt timeout.</summary>
    private async Task<Frame?> ReplyAfterAsync(string clientId, int repliesBefore)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < AttemptTimeout)
        {
            if (client.Count(f => f.Re == clientId && f.Type == "ack") > 0 || client.Count(f => f.Re == clientId) > repliesBefore)
            {
                var replies = client.Received.Where(f => f.Re == clientId).ToList();
                return replies.FirstOrDefault(f => f.Type == "ack") ?? replies[^1];
            }

            await Task.Delay(20);
        }

        return null;
    }
}

/// <summary>A message its sender saw acknowledged with this seq.</summary>
public sealed record AckedMessage(string Conv, long Seq, string SenderId, string ClientId);
