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

        if (State.Banned.Contains(userId))
        {
            throw ChatException.Conflict($"'{userId}' is banned from room '{Room}': unban first");
        }

        if (State.Invited.Add(userId))
        {
            await state.WriteStateAsync();
        }

        await User(userId).Deliver(new RoomInvitedEvent(Room, State.Visibility, by, NowMs));
    }

    public async Task Kick(UserProfile by, string userId, string? reason)
    {
        EnsureMayModerate(by.Id, MemberTarget(by.Id, userId));
        var user = State.RemoveMember(userId)!;
        await state.WriteStateAsync();
        await RemoveFromRoomAsync(user, new RoomKickedEvent(Room, user, by, reason, NowMs));
    }

    public async Task<long> Mute(UserProfile by, string userId, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            throw ChatException.BadRequest("a mute lasts a positive duration");
        }

        var user = MemberTarget(by.Id, userId);
        EnsureMayModerate(by.Id, user);
        var until = time.GetUtcNow() + duration;
        State.MutedUntil[userId] = until;
        await state.WriteStateAsync();
        Broadcast(new RoomMutedEvent(Room, user, by, until.ToUnixTimeMilliseconds(), NowMs));
        return until.ToUnixTimeMilliseconds();
    }

    public async Task Unmute(UserProfile by, string userId)
    {
        var user = MemberTarget(by.Id, userId);
        EnsureMayModerate(by.Id, user);
        if (State.MuteEnd(userId, time.GetUtcNow()) is null)
        {
            throw ChatException.NotFound($"'{userId}' is not muted in room '{Room}'");
        }

        State.MutedUntil.Remove(userId);
        await state.WriteStateAsync();
        Broadcast(new RoomUnmutedEvent(Room, user, by, NowMs));
    }

    /// <summary>Anyone of lower rank may be banned, member or not (a ban can come before the trouble does).</summary>
    public async Task Ban(UserProfile by, string userId, string? reason)
    {
        EnsureModerator(by.Id);
        if (State.Banned.Contains(userId))
        {
            throw ChatException.Conflict($"'{userId}' is already banned from room '{Room}'");
        }

        var user = State.Members.GetValueOrDefault(userId) ?? await ProfileOf(userId);
        EnsureMayModerate(by.Id, user);
        var wasMember = State.RemoveMember(userId) is not null;
        State.Banned.Add(userId);
        State.Invited.Remove(userId);
        await state.WriteStateAsync();
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
        if (!State.Banned.Remove(userId))
        {
            throw ChatException.NotFound($"'{userId}' is not banned from room '{Room}'");
        }

        await state.WriteStateAsync();
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

        var user = MemberTarget(by.Id, userId);
        if (State.RoleOf(userId) == RoomRole.Owner)
        {
            throw ChatException.Forbidden("the owner's role cannot change");
        }

        var changed = role == RoomRole.Admin ? State.Admins.Add(userId) : State.Admins.Remove(userId);
        if (changed)
        {
            await state.WriteStateAsync();
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

    /// <summary>The member a moderator acts on: the actor's authority is checked before the target's existence.</summary>
    private UserProfile MemberTarget(string actorId, string userId)
    {
        EnsureModerator(actorId);
        return State.Members.GetValueOrDefault(userId) ?? throw ChatException.NotFound($"'{userId}' is not a member of room '{Room}'");
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
