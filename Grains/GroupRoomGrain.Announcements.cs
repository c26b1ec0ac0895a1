using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>How the room announces joins and leaves: <see cref="MembershipAnnouncer"/>, and the switch that silences them.</summary>
public sealed partial class GroupRoomGrain
{
    private MembershipAnnouncer? _announcer;

    private MembershipAnnouncer Announcer => _announcer ??= new(
        Room,
        options.Value.AnnounceMaxMembers,
        () => MemberCount,
        () => State.Notices,
        Broadcast,
        (tick, period) => this.RegisterGrainTimer(tick, period, period),
        time);

    public async Task SetNotices(UserProfile by, RoomNotices notices)
    {
        EnsureModerator(by.Id);
        if (State.Notices != notices)
        {
            State.Notices = notices;
            await state.WriteStateAsync();
        }
    }
}
