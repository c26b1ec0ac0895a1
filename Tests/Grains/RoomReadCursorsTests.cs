using OrleansChat.Grains.Rooms;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Grains;

/// <summary>Receipt counts from sorted read cursors: forward-only moves, the sender left out, leavers left out.</summary>
public sealed class RoomReadCursorsTests
{
    private static readonly HashSet<string> Members = ["alice", "bob", "cy", "dan"];

    [Fact]
    public void Counts_are_how_many_members_other_than_the_sender_read_up_to_each_recent_seq()
    {
        var cursors = new RoomReadCursors();
        cursors.Load(new Dictionary<string, long> { ["cy"] = 1 });
        cursors.Sent(1, "alice");
        cursors.Sent(2, "alice");
        cursors.Sent(3, "bob");

        cursors.Advance("bob", 2);
        cursors.Advance("alice", 3); // the sender of 1 and 2 read past them: not counted as their reader
        cursors.Advance("dan", 3);

        Assert.Equal([new ReadCount(1, 3), new ReadCount(2, 2), new ReadCount(3, 2)], cursors.Counts(Members.Contains));
        Assert.Equal(["bob", "cy", "dan"], cursors.ReadersOf(1, "alice", Members.Contains));
        Assert.Equal(["alice", "dan"], cursors.ReadersOf(3, "bob", Members.Contains));
    }

    [Fact]
    public void A_cursor_never_moves_back_and_only_moves_are_written()
    {
        var cursors = new RoomReadCursors();
        Assert.True(cursors.Advance("bob", 5));
        Assert.False(cursors.Advance("bob", 3));
        Assert.False(cursors.Advance("bob", 5));
        Assert.Equal(5, cursors.CursorOf("bob"));

        var unsaved = cursors.TakeUnsaved();
        Assert.Equal([new KeyValuePair<string, long>("bob", 5)], unsaved);
        Assert.Empty(cursors.TakeUnsaved());
        cursors.Unsave(unsaved); // a failed write comes back for the next one
        Assert.Equal(unsaved, cursors.TakeUnsaved());
        cursors.Load(new Dictionary<string, long> { ["bob"] = 2 }); // a stale stored value loses to the newer one
        Assert.Equal(5, cursors.CursorOf("bob"));
    }

    [Fact]
    public void Only_the_newest_window_of_seqs_is_reported_and_leavers_do_not_count()
    {
        var cursors = new RoomReadCursors();
        for (var seq = 1; seq <= 30; seq++)
        {
            cursors.Sent(seq, "alice");
        }

        cursors.Advance("bob", 30);
        cursors.Advance("gone", 30);

        var counts = cursors.Counts(Members.Contains);
        Assert.Equal(RoomReadCursors.Window, counts.Count);
        Assert.Equal(30 - RoomReadCursors.Window + 1, counts[0].Seq);
        Assert.All(counts, c => Assert.Equal(1, c.Count)); // bob; "gone" is no member
    }
}
