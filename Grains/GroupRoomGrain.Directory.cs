using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// The room's row in the directory of public rooms (<c>room.list</c>, <see cref="IRoomDirectoryStore"/>): written after a
/// join or leave, at most once a second (<see cref="CoalescingWindow"/>), so a burst of joins into a big room costs one
/// directory write a second rather than one per join. An empty or private room is taken off the directory.
/// </summary>
public sealed partial class GroupRoomGrain
{
    private CoalescingWindow? _directoryWindow;
    private IRoomDirectoryStore? _directory;
    private int? _listedMembers;

    private IRoomDirectoryStore Directory => _directory ??= ServiceProvider.GetRequiredService<IRoomDirectoryStore>();

    private CoalescingWindow DirectoryWindow => _directoryWindow ??= new(
        UpdateDirectory, (tick, period) => this.RegisterGrainTimer(tick, period, period));

    /// <summary>The member count changed (a join or a leave).</summary>
    private void MembershipChanged() => DirectoryWindow.Changed();

    /// <summary>A change still waiting for the window's tick is written before the grain goes.</summary>
    private void FlushDirectory()
    {
        if (_directoryWindow is { Open: true })
        {
            _directoryWindow.Close();
            UpdateDirectory();
        }
    }

    private bool UpdateDirectory()
    {
        var listed = State.Visibility == RoomVisibility.Public && MemberCount > 0 ? MemberCount : 0;
        if (listed == _listedMembers)
        {
            return false;
        }

        _listedMembers = listed;
        (listed > 0 ? Directory.UpsertAsync(Room, listed) : Directory.RemoveAsync(Room)).Ignore();
        return true;
    }
}
