using System.Text.Json;
using OrleansChat.Grains;
using OrleansChat.Grains.Notifications;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;
using static OrleansChat.Tests.Notifications.NotificationClusterFixture;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// Who is notified, through the real grains of a 2-silo cluster, the outbox and its workers: an offline DM peer yes,
/// an online one no, a muted conversation no, a room member only when mentioned, a recall never; and coalescing.
/// Absence is shown against a later notification that does arrive (its preview and count say which messages it carries).
/// </summary>
[Collection(NotificationCluster.Name)]
public sealed class NotificationRulesTests(NotificationClusterFixture fixture) : IAsyncLifetime
{
    private readonly UserProfile _alice = Names.User("alice");
    private readonly UserProfile _bob = Names.User("bob");
    private TestGateway _gateway = null!;

    private IPrivateChatGrain Dm => fixture.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(_alice.Id, _bob.Id));

    private string DmConv => ConversationId.ForDm(_alice.Id, _bob.Id);

    public async Task InitializeAsync()
    {
        _gateway = fixture.NewGateway();
        await _gateway.Connect(_alice, "alice-1");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task OpenDmAsync()
    {
        await Dm.Request(_alice);
        await Dm.Accept(_bob);
    }

    private static async Task<UserNotification> NextNotificationAsync(string userId, int count = 1)
    {
        await Eventually.TrueAsync(() => DeliveredTo(userId).Count >= count, $"{userId} got notification {count}");
        return DeliveredTo(userId)[count - 1];
    }

    /// <summary>Every shard runs a pass now: whatever is due has been delivered when this returns.</summary>
    private async Task DrainAsync()
    {
        for (var shard = 0; shard < 8; shard++)
        {
            await fixture.Client.GetGrain<INotificationShardGrain>(shard).RunPass();
        }
    }

    [Fact]
    public async Task An_offline_peer_is_notified_of_a_private_message_with_a_stable_id()
    {
        await OpenDmAsync();

        await Dm.Send(_alice, "m1", new TextBody("are you there?"));

        var notification = await NextNotificationAsync(_bob.Id);
        Assert.Equal((_bob.Id, DmConv, false, _alice.Name, _alice.Name, "are you there?", 1),
            (notification.UserId, notification.ConversationId, notification.IsRoom, notification.Title, notification.SenderName, notification.Preview, notification.Count));
        Assert.Equal(OutboxStatus.Sent, (await SharedOutbox.FindAsync(notification.Id))!.Status);
        Assert.Empty(DeliveredTo(_alice.Id)); // the sender is online and is never told of their own message
    }

    [Fact]
    public async Task An_online_peer_is_not_notified_until_they_go_offline()
    {
        await _gateway.Connect(_bob, "bob-1");
        await OpenDmAsync();
        await Dm.Send(_alice, "m1", new TextBody("while online"));

        await _gateway.Disconnect(_bob.Id, "bob-1");
        await Eventually.TrueAsync(async () => (await Dm.GetSummary(_alice.Id, 0)).PeerOnline == false, "the chat knows bob went offline");
        await Dm.Send(_alice, "m2", new TextBody("while away"));

        var notification = await NextNotificationAsync(_bob.Id);
        Assert.Equal(("while away", 1), (notification.Preview, notification.Count));
        await DrainAsync();
        Assert.Single(DeliveredTo(_bob.Id));
    }

    [Fact]
    public async Task A_muted_conversation_is_not_notified()
    {
        // Two private chats of Bob's, one muted. (Unmuting the same chat right after the send would race the send's
        // one-way hand-over to Bob's user grain: a call from the test is not ordered after it.)
        await OpenDmAsync();
        var carol = Names.User("carol");
        var withCarol = fixture.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(carol.Id, _bob.Id));
        await withCarol.Request(carol);
        await withCarol.Accept(_bob);
        await fixture.Client.GetGrain<IUserGrain>(_bob.Id).SetFlags(DmConv, pinned: null, muted: true);

        await Dm.Send(_alice, "m1", new TextBody("muted"));
        await withCarol.Send(carol, "m2", new TextBody("unmuted"));

        var notification = await NextNotificationAsync(_bob.Id);
        Assert.Equal(("unmuted", 1), (notification.Preview, notification.Count));
        await DrainAsync();
        Assert.Equal(["unmuted"], DeliveredTo(_bob.Id).Select(n => n.Preview)); // nothing of the muted chat
    }

    [Fact]
    public async Task Messages_of_one_window_coalesce_into_one_notification_carrying_the_count()
    {
        await OpenDmAsync();

        var receipts = new List<SendReceipt>();
        for (var i = 1; i <= 3; i++)
        {
            receipts.Add(await Dm.Send(_alice, $"m{i}", new TextBody($"message {i}")));
        }

        var first = await NextNotificationAsync(_bob.Id);
        await Eventually.TrueAsync(async () => (await SharedOutbox.FindAsync(first.Id))?.LastSeq == receipts[^1].Seq, "the last message reached the entry");
        await DrainAsync();
        var entry = await SharedOutbox.FindAsync(first.Id);
        Assert.Equal(3, entry!.Count);
        Assert.Equal(OutboxStatus.Sent, entry.Status);
        Assert.Single(DeliveredTo(_bob.Id)); // at most one per user, conversation and window
        Assert.StartsWith($"n:{_bob.Id}:{DmConv}:", first.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recall_is_never_counted_or_notified()
    {
        await OpenDmAsync();
        var sent = await Dm.Send(_alice, "m1", new TextBody("oops"));
        var first = await NextNotificationAsync(_bob.Id);

        var recall = await Dm.Recall(_alice, sent.Seq);
        var after = await Dm.Send(_alice, "m3", new TextBody("sorry"));

        Assert.True(after.Seq > recall.Seq);
        await Eventually.TrueAsync(async () => (await SharedOutbox.FindAsync(first.Id))?.LastSeq == after.Seq, "the message after the recall reached the entry");
        Assert.Equal(2, (await SharedOutbox.FindAsync(first.Id))!.Count); // oops and sorry; the recall entry is not a message
    }

    [Fact]
    public async Task A_room_message_notifies_only_the_mentioned_away_members()
    {
        var room = Names.New("room");
        var carol = Names.User("carol");
        var outsider = Names.User("outsider");
        await _gateway.Create(room, _alice, RoomVisibility.Public);
        await _gateway.Join(room, _bob);
        await _gateway.Join(room, carol);
        var roomGrain = fixture.Client.GetGrain<IGroupRoomGrain>(room);

        await roomGrain.Send(_alice, "r1", new TextBody("nobody mentioned"));
        await roomGrain.Send(_alice, "r2", new TextBody("hey @bob", [_bob.Id, _bob.Id, outsider.Id, _alice.Id]));
        var forBob = await NextNotificationAsync(_bob.Id);
        Assert.Equal((ConversationId.ForRoom(room), true, room, "hey @bob", 1), (forBob.ConversationId, forBob.IsRoom, forBob.Title, forBob.Preview, forBob.Count));

        await roomGrain.Send(_alice, "r3", new TextBody("now @carol", [carol.Id]));
        var forCarol = await NextNotificationAsync(carol.Id);
        Assert.Equal("now @carol", forCarol.Preview); // the unmentioned message before it did not notify her
        await DrainAsync();
        Assert.Single(DeliveredTo(_bob.Id));
        Assert.Empty(DeliveredTo(outsider.Id)); // not a member: the mention was dropped
        Assert.Empty(DeliveredTo(_alice.Id));
    }

    [Fact]
    public async Task A_member_who_asked_for_every_message_is_notified_without_a_mention_until_they_leave()
    {
        var room = Names.New("room");
        var carol = Names.User("carol");
        await _gateway.Create(room, _alice, RoomVisibility.Public);
        await _gateway.Join(room, _bob);
        await _gateway.Join(room, carol);
        var roomGrain = fixture.Client.GetGrain<IGroupRoomGrain>(room);
        await roomGrain.SetNotify(carol.Id, on: true);
        await roomGrain.SetNotify(_alice.Id, on: true); // the sender: never notified of her own messages

        await roomGrain.Send(_alice, "e1", new TextBody("news for everyone"));
        var forCarol = await NextNotificationAsync(carol.Id);
        Assert.Equal((ConversationId.ForRoom(room), "news for everyone"), (forCarol.ConversationId, forCarol.Preview));
        await DrainAsync();
        Assert.Empty(DeliveredTo(_bob.Id)); // bob did not ask and was not mentioned
        Assert.Empty(DeliveredTo(_alice.Id));

        var outsider = await Assert.ThrowsAsync<ChatException>(() => roomGrain.SetNotify(Names.User("outsider").Id, on: true));
        Assert.Equal(ChatErrorCode.Forbidden, outsider.Code);
        await roomGrain.Leave(carol.Id);
        await _gateway.Join(room, carol); // back, but her request went with her
        await roomGrain.Send(_alice, "e2", new TextBody("for @bob only", [_bob.Id]));
        await NextNotificationAsync(_bob.Id); // the message went through the room's notifications
        await DrainAsync();
        Assert.Equal(1, (await SharedOutbox.FindAsync(forCarol.Id))!.Count); // carol's entry took no second message
    }

    [Fact]
    public async Task More_than_twenty_mentions_are_refused()
    {
        var room = Names.New("room");
        await _gateway.Create(room, _alice, RoomVisibility.Public);

        var refused = await Assert.ThrowsAsync<ChatException>(() =>
            fixture.Client.GetGrain<IGroupRoomGrain>(room).Send(_alice, "r1", new TextBody("all", [.. Enumerable.Range(0, 21).Select(i => $"u{i}")])));
        Assert.Equal(ChatErrorCode.BadRequest, refused.Code);
    }

    [Fact]
    public async Task Webhooks_tell_of_requests_joins_and_messages_signed_and_without_text()
    {
        var room = Names.New("room");
        await Dm.Request(_alice);
        await _gateway.Create(room, _alice, RoomVisibility.Public);
        await _gateway.Join(room, _bob);
        var sent = await fixture.Client.GetGrain<IGroupRoomGrain>(room).Send(_alice, "w1", new TextBody("private words"));

        await Eventually.TrueAsync(() => Events(room).Count >= 3 && EventsOf("dm.requested", DmConv).Count >= 1, "the webhook events arrived");
        var joins = Events(room).Where(e => e.Type == "room.member_joined").Select(e => e.Data.GetProperty("user").GetProperty("id").GetString()!);
        Assert.Equal(new[] { _alice.Id, _bob.Id }.Order(StringComparer.Ordinal), joins.Order(StringComparer.Ordinal));
        var created = Assert.Single(Events(room), e => e.Type == "message.created");
        Assert.Equal(sent.Seq, created.Data.GetProperty("seq").GetInt64());
        Assert.DoesNotContain(Receiver.Requests, r => r.Body.Contains("private words", StringComparison.Ordinal));
        Assert.All(Receiver.Requests, r => Assert.True(r.SignedByEverySecret));
        var requested = Assert.Single(EventsOf("dm.requested", DmConv));
        Assert.Equal(_bob.Id, requested.Data.GetProperty("to").GetString());
    }

    private static List<(string Type, JsonElement Data)> Events(string room) =>
        [.. Receiver.Accepted.Values.Select(Parse)
            .Where(e => e.Data.TryGetProperty("conv", out var conv) && conv.GetString() == ConversationId.ForRoom(room))];

    private static List<(string Type, JsonElement Data)> EventsOf(string type, string conv) =>
        [.. Receiver.Accepted.Values.Select(Parse).Where(e => e.Type == type && e.Data.GetProperty("conv").GetString() == conv)];

    private static (string Type, JsonElement Data) Parse(WebhookReceiver.Received received)
    {
        var root = JsonDocument.Parse(received.Body).RootElement;
        return (root.GetProperty("type").GetString()!, root.GetProperty("data"));
    }
}
