using System.Globalization;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The order of a conversation list: pinned first, then the newest last message first (a conversation without
/// messages last), then by id, so that every entry has one place. A page's cursor is the sort key of its last entry
/// (<c>pinned:ts:conv</c>), so the next page starts after it even if the list changed in between.
/// </summary>
public static class ConversationOrder
{
    public static ConversationPage Page(IReadOnlyList<ConversationEntry> entries, string? cursor, int limit)
    {
        var sorted = entries.OrderBy(e => e, Comparer).ToList();
        var start = 0;
        if (cursor is not null)
        {
            var after = Parse(cursor);
            while (start < sorted.Count && Comparer.Compare(sorted[start], after) <= 0)
            {
                start++;
            }
        }

        var page = sorted.Skip(start).Take(limit).ToList();
        var next = start + page.Count < sorted.Count ? CursorOf(page[^1]) : null;
        var unread = entries.Where(e => !e.Muted).Sum(e => e.Unread);
        return new ConversationPage(page, unread, next);
    }

    public static string CursorOf(ConversationEntry e) =>
        string.Create(CultureInfo.InvariantCulture, $"{(e.Pinned ? 1 : 0)}:{ActivityOf(e)}:{e.Conv}");

    private static long ActivityOf(ConversationEntry e) => e.Last?.Ts ?? 0;

    private static readonly Comparer<ConversationEntry> Comparer = Comparer<ConversationEntry>.Create((a, b) =>
    {
        var byPin = b.Pinned.CompareTo(a.Pinned);
        if (byPin != 0)
        {
            return byPin;
        }

        var byActivity = ActivityOf(b).CompareTo(ActivityOf(a));
        return byActivity != 0 ? byActivity : string.CompareOrdinal(a.Conv, b.Conv);
    });

    /// <summary>A stand-in entry with the cursor's sort key.</summary>
    private static ConversationEntry Parse(string cursor)
    {
        var parts = cursor.Split(':', 3);
        if (parts.Length != 3 || parts[0] is not ("0" or "1")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ts))
        {
            throw ChatException.BadRequest("\"cursor\" must be the \"next\" of a conversation page");
        }

        var last = ts == 0 ? null : new MessagePreview("text", null, new UserProfile("", "", null), ts, 0);
        return new ConversationEntry(parts[2], ConversationKind.Room, "", null, last, 0, 0, 0, parts[0] == "1", Muted: false);
    }
}
