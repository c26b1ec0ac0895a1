using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Protocol;

/// <summary>
/// <see cref="SendPipeline"/> against a conversation whose answers the test controls: sends queued behind a call go
/// together in the order sent, and a call that does not answer within the send timeout (a silo that died under it)
/// stops holding the conversation's next sends. The timeout runs on a fake clock.
/// </summary>
public sealed class SendPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly ControlledConversation _grain = new();
    private readonly ConcurrentQueue<(string? Id, SendOutcome Outcome)> _answers = new();

    private SendPipeline NewPipeline(int maxInFlight = 32) =>
        new(maxInFlight, Timeout, _time, () => new UserProfile("alice", "Alice", null), (frame, outcome) => _answers.Enqueue((frame.Id, outcome)));

    private ValueTask Send(SendPipeline pipeline, string id) =>
        pipeline.SendAsync((false, "lobby"), _grain, new RoomSendCommand("lobby", new TextBody(id)) { Id = id }, new OutgoingMessage(id, new TextBody(id)));

    [Fact]
    public async Task Sends_queued_behind_a_call_go_together_in_the_order_sent()
    {
        var pipeline = NewPipeline();
        await Send(pipeline, "m1");
        await Send(pipeline, "m2");
        await Send(pipeline, "m3");

        await Eventually.TrueAsync(() => _grain.Calls.Count == 1, "the first call is made");
        _grain.Calls[0].Answer();
        await Eventually.TrueAsync(() => _grain.Calls.Count == 2, "the queued sends go in one call");
        Assert.Equal(["m2", "m3"], _grain.Calls[1].ClientIds);
        _grain.Calls[1].Answer();

        await pipeline.DrainAsync().WaitAsync(Deadline);
        Assert.Equal(["m1", "m2", "m3"], _answers.Select(a => a.Id));
        Assert.All(_answers, a => Assert.NotNull(a.Outcome.Receipt));
    }

    [Fact]
    public async Task A_call_not_answered_within_the_send_timeout_is_answered_internal_and_the_next_sends_go_on()
    {
        var pipeline = NewPipeline();
        await Send(pipeline, "stuck");
        await Eventually.TrueAsync(() => _grain.Calls.Count == 1, "the first call is made");
        await Send(pipeline, "next");

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_answers); // not yet: the call may still answer
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await Eventually.TrueAsync(() => _grain.Calls.Count == 2, "the send queued behind the stuck call is called");
        var (id, outcome) = Assert.Single(_answers);
        Assert.Equal("stuck", id);
        Assert.Null(outcome.Receipt);
        Assert.Equal(ChatErrorCode.Internal, outcome.Error); // the documented retryable error: resend with the same id
        Assert.Contains("retry with the same id", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("Protocol:SendTimeout", outcome.Fault, StringComparison.Ordinal);

        _grain.Calls[1].Answer();
        await pipeline.DrainAsync().WaitAsync(Deadline);
        Assert.NotNull(_answers.Last().Outcome.Receipt);

        _grain.Calls[0].Fail(new TimeoutException("Orleans' own response timeout, later")); // observed, answered once only
        Assert.Equal(2, _answers.Count);
    }

    [Fact]
    public async Task A_call_that_fails_in_time_is_answered_with_its_own_fault()
    {
        var pipeline = NewPipeline();
        await Send(pipeline, "m1");
        await Eventually.TrueAsync(() => _grain.Calls.Count == 1, "the call is made");

        _grain.Calls[0].Fail(new TimeoutException("Response did not arrive on time"));

        await pipeline.DrainAsync().WaitAsync(Deadline);
        var (_, outcome) = Assert.Single(_answers);
        Assert.Equal(ChatErrorCode.Internal, outcome.Error);
        Assert.Contains("Response did not arrive on time", outcome.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reader_waits_while_the_bound_is_reached_even_past_a_timeout_until_an_answer_frees_a_place()
    {
        var pipeline = NewPipeline(maxInFlight: 2);
        await Send(pipeline, "m1");
        var full = Send(pipeline, "m2");
        Assert.False(full.IsCompleted);

        _time.Advance(Timeout);

        await full.AsTask().WaitAsync(Deadline); // the timed-out call freed its place
        await Eventually.TrueAsync(() => _grain.Calls.Count == 2, "the queued send is called");
    }

    /// <summary>A conversation grain whose <c>SendBatch</c> calls wait until the test answers or fails them.</summary>
    private sealed class ControlledConversation : IConversationGrain
    {
        private long _seq;

        public List<Call> Calls { get; } = [];

        public Task<SendOutcome[]> SendBatch(UserProfile from, OutgoingMessage[] messages)
        {
            var call = new Call(this, messages);
            lock (Calls)
            {
                Calls.Add(call);
            }

            return call.Outcomes.Task;
        }

        public Task<MessagePage> ReadBefore(string userId, long? beforeSeq, int limit) => throw new NotSupportedException();

        public Task<MessagePage> ReadAfter(string userId, long afterSeq, int limit) => throw new NotSupportedException();

        public Task<ConversationSummary> GetSummary(string userId, long readSeq) => throw new NotSupportedException();

        public Task<SendReceipt> Recall(UserProfile by, long seq) => throw new NotSupportedException();

        public Task Typing(UserProfile by, bool on) => throw new NotSupportedException();

        public sealed class Call(ControlledConversation conversation, OutgoingMessage[] messages)
        {
            public TaskCompletionSource<SendOutcome[]> Outcomes { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public IReadOnlyList<string?> ClientIds => [.. messages.Select(m => m.ClientId)];

            public void Answer() => Outcomes.SetResult([.. messages.Select(_ =>
                SendOutcome.Sent(new SendReceipt("room:lobby", Interlocked.Increment(ref conversation._seq), 0, Duplicate: false)))]);

            public void Fail(Exception fault) => Outcomes.SetException(fault);
        }
    }
}
