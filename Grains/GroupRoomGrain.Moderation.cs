using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Invitations, kicks, mutes, bans and roles. Each checks the actor's authority first (<c>forbidden</c>), then
/// that the target exists (<c>not_found</c>) or the change makes sense (<c>conflict</c>), then the rank rule.
/// </summary>
public sealed partial class GroupRoomGrain
{
    public async Task Invite(UserProfile by, string userId)
    {
        EnsureModerator(by.Id);
        if (IsMember(userId))
        {
            throw ChatException.Conflict($"'{userId}' is already a member of room '{Room}'");
        }

        if (State.Roster.IsBanned(userId))
        {
            throw ChatException.Conflict($"'{userId}' is banned from room '{Room}': unban first");
        }

        if (!State.Roster.IsInvited(userId))
        {
            await SaveAsync(State.Roster.RecordOf(Room, userId, MemberStatus.Invited) with { Status = MemberStatus.Invited, IsAdmin = false });
        }

        await User(userId).Deliver(new RoomInvitedEvent(Room, State.Visibility, by, NowMs));
    }

    public async Task Kick(UserProfile by, string userId, string? reason)
    {
        var (row, user) = await MemberTargetAsync(by.Id, userId);
        EnsureMayModerate(by.Id, user);
        await ReleaseAsync(row);
        await RemoveFromRoomAsync(user, new RoomKickedEvent(Room, user, by, reason, NowMs));
    }

    public async Task<long> Mute(UserProfile by, string userId, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            throw ChatException.BadRequest("a mute lasts a positive duration");
        }

        var (row, user) = await MemberTargetAsync(by.Id, userId);
        EnsureMayModerate(by.Id, user);
        var until = time.GetUtcNow() + duration;
        await SaveAsync(row with { MutedUntilMs = until.ToUnixTimeMilliseconds() });
        Broadcast(new RoomMutedEvent(Room, user, by, until.ToUnixTimeMilliseconds(), NowMs));
        return until.ToUnixTimeMilliseconds();
    }

    public async Task Unmute(UserProfile by, string userId)
    {
        var (row, user) = await MemberTargetAsync(by.Id, userId);
        EnsureMayModerate(by.Id, user);
        if (State.MuteEnd(userId, time.GetUtcNow()) is null)
        {
            throw ChatException.NotFound($"'{userId}' is not muted in room '{Room}'");
        }

        await SaveAsync(row with { MutedUntilMs = null });
        Broadcast(new RoomUnmutedEvent(Room, user, by, NowMs));
    }

    /// <summary>Anyone of lower rank may be banned, member or not (a ban can come before the trouble does).</summary>
    public async Task Ban(UserProfile by, string userId, string? reason)
    {
        EnsureModerator(by.Id);
        if (State.Roster.IsBanned(userId))
        {
            throw ChatException.Conflict($"'{userId}' is already banned from room '{Room}'");
        }

        var wasMember = State.IsMember(userId);
        var user = wasMember ? (await RowOfAsync(userId)).User : await ProfileOf(userId);
        EnsureMayModerate(by.Id, user);
        // One row says it all: no longer a member (nor admin), no longer invited, banned; a running mute is kept.
        await SaveAsync(State.Roster.RecordOf(Room, userId, MemberStatus.Banned) with { Status = MemberStatus.Banned, IsAdmin = false });
        var banned = new RoomBannedEvent(Room, user, by, reason, NowMs);
        if (wasMember)
        {
            await RemoveFromRoomAsync(user, banned);
        }
        else
        {
            await User(userId).Deliver(banned);
        }
    }

    public async Task Unban(UserProfile by, string userId)
    {
        EnsureModerator(by.Id);
        if (!State.Roster.IsBanned(userId))
        {
            throw ChatException.NotFound($"'{userId}' is not banned from room '{Room}'");
        }

        await ReleaseAsync(State.Roster.RecordOf(Room, userId, MemberStatus.Banned));
    }

    public async Task SetRole(UserProfile by, string userId, RoomRole role)
    {
        EnsureMember(by.Id);
        if (!RoomPolicy.CanSetRoles(State.RoleOf(by.Id)))
        {
            throw ChatException.Forbidden($"only the owner of room '{Room}' changes roles");
        }

        if (role == RoomRole.Owner)
        {
            throw ChatException.BadRequest("role must be admin or member");
        }

        var (row, user) = await MemberTargetAsync(by.Id, userId);
        if (State.RoleOf(userId) == RoomRole.Owner)
        {
            throw ChatException.Forbidden("the owner's role cannot change");
        }

        var admin = role == RoomRole.Admin;
        if (row.IsAdmin != admin)
        {
            await SaveAsync(row with { IsAdmin = admin });
            Broadcast(new RoomRoleEvent(Room, user, role, by, NowMs));
        }
    }

    /// <summary>Announces the removal to the room while the target's devices still get it, then drops them from the room.</summary>
    private async Task RemoveFromRoomAsync(UserProfile user, ServerFrame announcement)
    {
        Broadcast(announcement);
        _announcer?.Removed(user.Id);
        await User(user.Id).RemoveRoom(Room); // tells the user's gateways to take the devices out of the room index
        _gateways.RemoveEverywhere(user.Id);
    }

    private void EnsureModerator(string actorId)
    {
        EnsureMember(actorId);
        if (!RoomPolicy.IsModerator(State.RoleOf(actorId)))
        {
            throw ChatException.Forbidden($"only the owner or an admin of room '{Room}' may do that");
        }
    }

    /// <summary>The member a moderator acts on, row and profile: the actor's authority is checked before the target's existence.</summary>
    private async Task<(RoomMemberRecord Row, UserProfile User)> MemberTargetAsync(string actorId, string userId)
    {
        EnsureModerator(actorId);
        if (!State.IsMember(userId))
        {
            throw ChatException.NotFound($"'{userId}' is not a member of room '{Room}'");
        }

        return await RowOfAsync(userId);
    }

    private void EnsureMayModerate(string actorId, UserProfile target)
    {
        EnsureModerator(actorId);
        if (!RoomPolicy.CanModerate(State.RoleOf(actorId), State.RoleOf(target.Id)))
        {
            throw ChatException.Forbidden(target.Id == actorId
                ? "you cannot do that to yourself"
                : $"'{target.Id}' is {State.RoleOf(target.Id).ToString().ToLowerInvariant()} of room '{Room}': you may act only on lower roles");
        }
    }

    /// <summary>A non-member's profile for announcements; a user who never logged in is named by id.</summary>
    private async Task<UserProfile> ProfileOf(string userId) =>
        await User(userId).GetProfile() ?? new UserProfile(userId, userId, null);

    private IUserGrain User(string userId) => GrainFactory.GetGrain<IUserGrain>(userId);
}
