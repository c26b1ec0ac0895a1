using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Cluster;

/// <summary>A message as one client's <c>sync</c> returned it.</summary>
public sealed record SyncedMessage(string Conv, long Seq, string SenderId, string? ClientId);

/// <summary>
/// Compares what senders saw acknowledged with what clients read back by <c>sync</c>, per conversation:
/// lost (an acknowledged (conv, seq) missing, or holding another message), duplicated (one sender's client id under
/// two seqs), gaps (seqs not exactly 1..N), disagreements (two clients read different messages at one seq) and
/// strays (a stored message nobody saw acknowledged).
/// </summary>
public sealed class DeliveryAudit
{
    private DeliveryAudit(IReadOnlyList<AckedMessage> acked, IReadOnlyList<SyncedMessage> synced)
    {
        var log = synced.GroupBy(m => (m.Conv, m.Seq)).ToDictionary(g => g.Key, g => g.First());
        Disagreements = synced.GroupBy(m => (m.Conv, m.Seq)).Count(g => g.Distinct().Count() > 1);
        Acked = acked.Count;
        Stored = log.Count;
        Lost = acked.Count(a => !log.TryGetValue((a.Conv, a.Seq), out var stored) || stored.SenderId != a.SenderId || stored.ClientId != a.ClientId);
        Duplicated = log.Values.Where(m => m.ClientId is not null).GroupBy(m => (m.Conv, m.SenderId, m.ClientId)).Sum(g => g.Count() - 1);
        var ackedIds = acked.Select(a => (a.Conv, a.SenderId, a.ClientId)).ToHashSet();
        Strays = log.Values.Count(m => m.ClientId is null || !ackedIds.Contains((m.Conv, m.SenderId, m.ClientId)));
        PerConversation = log.Keys.GroupBy(k => k.Conv).ToDictionary(g => g.Key, g => g.Count());
        Gaps = log.Keys.GroupBy(k => k.Conv).Sum(g => (int)Math.Max(0, g.Max(k => k.Seq)) - g.Count(k => k.Seq >= 1) + g.Count(k => k.Seq < 1));
    }

    public int Acked { get; }

    public int Stored { get; }

    public int Lost { get; }

    public int Duplicated { get; }

    /// <summary>Seqs missing from 1..max per conversation (a seq below 1 counts too).</summary>
    public int Gaps { get; }

    public int Disagreements { get; }

    public int Strays { get; }

    public IReadOnlyDictionary<string, int> PerConversation { get; }

    public static DeliveryAudit Of(IReadOnlyList<AckedMessage> acked, IReadOnlyList<SyncedMessage> synced) => new(acked, synced);

    public override string ToString() =>
        $"acknowledged {Acked}, stored {Stored} in {PerConversation.Count} conversations "
        + $"({string.Join(", ", PerConversation.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: 1..{p.Value}"))}); "
        + $"lost {Lost}, duplicated {Duplicated}, gaps {Gaps}, disagreements {Disagreements}, unacknowledged {Strays}";

    /// <summary>Everything in the given conversations, by <c>sync</c> from seq 0, page after page.</summary>
    public static async Task<List<SyncedMessage>> SyncFromZeroAsync(ChatClient client, IEnumerable<string> conversations)
    {
        var cursors = conversations.Distinct().ToDictionary(c => c, _ => 0L);
        var messages = new List<SyncedMessage>();
        while (cursors.Count > 0)
        {
            var reply = await client.RequestAsync(id => new { type = "sync", id, cursors }, TimeSpan.FromSeconds(30));
            Assert.True(reply.Type == "sync", $"sync failed: {reply}");
            foreach (var conversation in reply.Json.GetProperty("conversations").EnumerateArray())
            {
                var conv = conversation.GetProperty("conv").GetString()!;
                Assert.False(conversation.TryGetProperty("error", out var error), $"sync of {conv}: {error}");
                var page = conversation.GetProperty("messages").EnumerateArray().Select(m => new SyncedMessage(
                    conv,
                    m.GetProperty("seq").GetInt64(),
                    m.GetProperty("from").GetProperty("id").GetString()!,
                    m.TryGetProperty("id", out var clientId) ? clientId.GetString() : null)).ToList();
                messages.AddRange(page);
                if (conversation.GetProperty("more").GetBoolean() && page.Count > 0)
                {
                    cursors[conv] = page[^1].Seq;
                }
                else
                {
                    cursors.Remove(conv);
                }
            }
        }

        return messages;
    }
}
