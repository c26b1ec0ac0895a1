using OrleansChat.Grains.Gateways;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Membership rows: each change writes the one row of <see cref="IRoomMemberStore"/> it is about, then the in-memory
/// roster follows; the grain state (<see cref="RoomState"/>) is written only when the room's metadata changes
/// (creation, a new owner) or a legacy state is moved into rows.
/// </summary>
public sealed partial class GroupRoomGrain
{
    /// <summary>Loads the standings (no profiles) after moving a legacy state's members into rows, then asks the gateways who is online.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.HasLegacyMembers)
        {
            await members.SaveManyAsync(LegacyRoomMembers.ToRecords(Room, State, NowMs), cancellationToken);
            State.ClearLegacyMembers();
            await state.WriteStateAsync(cancellationToken);
        }

        State.Roster.Load(await members.LoadStandingsAsync(Room, cancellationToken));
        if (State.OwnerId is { } owner && !State.IsMember(owner))
        {
            await PassOwnershipAsync(); // an owner's leave cut short between their row and the room's state
        }

        // Reactivated after a silo died (or moved): the gateways holding online members say so now, not at their next renewal.
        var recall = await GatewayRecall.AskAsync(this, GrainFactory, g => g.LocalUsersIn(Room), RenewRecalledAsync);
        foreach (var (gateway, users) in recall.Answers)
        {
            _gateways.Renew(gateway, users.Where(IsMember));
        }

        if (!recall.Complete)
        {
            await NoteIncompleteRecallAsync();
        }
    }

    /// <summary>Writes the room's state only for its first member, who owns it, or when it has no creation time yet.</summary>
    private async Task WriteMetadataForJoinAsync(string userId)
    {
        var becomesOwner = State.MemberCount == 0;
        if (!becomesOwner && State.CreatedAt is not null)
        {
            return;
        }

        if (becomesOwner)
        {
            State.OwnerId = userId;
        }

        State.CreatedAt ??= time.GetUtcNow();
        await state.WriteStateAsync();
    }

    /// <summary>Drops a member (and their role); returns their profile, or null when they were no member.</summary>
    private async Task<UserProfile?> RemoveMemberAsync(string userId)
    {
        if (!State.IsMember(userId))
        {
            return null;
        }

        var row = await RowOfAsync(userId);
        await ReleaseAsync(row.Row);
        return row.User;
    }

    /// <summary>
    /// When the owner is gone, ownership passes to an admin, else to a member (the smallest user id, so the choice is
    /// deterministic), asked of the store rather than scanned. Returns the new owner, or null when nobody is left.
    /// </summary>
    private async Task<UserProfile?> PassOwnershipAsync()
    {
        var heirId = await members.FindHeirAsync(Room);
        UserProfile? heir = null;
        if (heirId is not null)
        {
            var row = await RowOfAsync(heirId);
            if (row.Row.IsAdmin)
            {
                await SaveAsync(row.Row with { IsAdmin = false });
            }

            heir = row.User;
        }

        State.OwnerId = heirId;
        await state.WriteStateAsync();
        return heir;
    }

    /// <summary>What stays of a user who is no longer a member or banned: a row only while a mute runs (it outlives leaving).</summary>
    private async Task ReleaseAsync(RoomMemberRecord row)
    {
        if (row.IsMutedAt(NowMs))
        {
            await SaveAsync(row with { Status = MemberStatus.Left, IsAdmin = false, Profile = null });
        }
        else
        {
            await DeleteAsync(row.UserId);
        }

        await ForgetReaderAsync(row.UserId);
        await ForgetNotifyMemberAsync(row.UserId);
        MembershipChanged();
    }

    private async Task SaveAsync(RoomMemberRecord row)
    {
        await members.SaveAsync(row);
        State.Roster.Apply(row with { Profile = null });
    }

    private async Task DeleteAsync(string userId)
    {
        await members.DeleteAsync(Room, userId);
        State.Roster.Remove(userId);
    }

    /// <summary>A user's row with the profile, read from the store (the roster holds no profiles).</summary>
    private async Task<(RoomMemberRecord Row, UserProfile User)> RowOfAsync(string userId)
    {
        var row = await members.FindAsync(Room, userId) ?? State.Roster.RecordOf(Room, userId, MemberStatus.Left);
        return (row, row.Profile ?? await ProfileOf(userId));
    }

    private RoomMember ToRoomMember(RoomMemberRecord row, DateTimeOffset now) =>
        new(row.Profile ?? new UserProfile(row.UserId, row.UserId, null),
            _gateways.IsLive(row.UserId),
            State.RoleOf(row.UserId),
            State.MuteEnd(row.UserId, now)?.ToUnixTimeMilliseconds());
}
