using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Room presence: rooms of up to <c>Chat:PresenceMaxMembers</c> members push <c>room.presence</c> (members who came
/// online or went offline) at most once a second (<see cref="CoalescingWindow"/>). The frame is a diff between the
/// online set last announced and the one the gateways report now, so a member who drops and comes back within one
/// window is in neither list, and a gateway's renewal that changes nothing sends nothing. Bigger rooms track nothing:
/// their members are told by <c>room.members</c> when they ask.
/// </summary>
public sealed partial class GroupRoomGrain
{
    private CoalescingWindow? _presenceWindow;

    // Null until the first change after activation: the baseline is who was online just before it.
    private HashSet<string>? _announcedOnline;

    private bool PresenceOn => MemberCount <= options.Value.PresenceMaxMembers;

    private CoalescingWindow PresenceWindow => _presenceWindow ??= new(
        FlushPresence, (tick, period) => this.RegisterGrainTimer(tick, period, period));

    /// <summary>Called before the gateways' view of who is online changes.</summary>
    private void BeforePresenceChange()
    {
        if (PresenceOn && _announcedOnline is null)
        {
            _announcedOnline = OnlineMembers();
        }
    }

    /// <summary>Called after it changed: pushed at once in a quiet room, else with the window's next tick.</summary>
    private void AfterPresenceChange()
    {
        if (!PresenceOn)
        {
            _announcedOnline = null; // grown past the cap: should it shrink back, diff against a fresh baseline, not a stale one
            return;
        }

        if (_announcedOnline is not null)
        {
            PresenceWindow.Changed();
        }
    }

    private HashSet<string> OnlineMembers()
    {
        var online = _gateways.LiveMembers();
        online.RemoveWhere(userId => !IsMember(userId));
        return online;
    }

    private bool FlushPresence()
    {
        if (_announcedOnline is null || !PresenceOn)
        {
            return false;
        }

        var now = OnlineMembers();
        string[] cameOnline = [.. now.Where(u => !_announcedOnline.Contains(u)).Order(StringComparer.Ordinal)];
        // Members only: a leaver is announced by room.left, not as offline.
        string[] wentOffline = [.. _announcedOnline.Where(u => !now.Contains(u) && IsMember(u)).Order(StringComparer.Ordinal)];
        _announcedOnline = now;
        if (cameOnline.Length == 0 && wentOffline.Length == 0)
        {
            return false;
        }

        Broadcast(new RoomPresenceEvent(Room, ConversationId.ForRoom(Room), cameOnline, wentOffline));
        return true;
    }

    private void ClosePresence() => _presenceWindow?.Close();
}
