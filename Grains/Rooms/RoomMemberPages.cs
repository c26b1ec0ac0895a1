namespace OrleansChat.Grains.Rooms;

/// <summary>Turns "up to limit + 1 rows in user id order" into a page: the extra row only says that more follow.</summary>
public static class RoomMemberPages
{
    public static RoomMemberPage Of(IReadOnlyList<RoomMemberRecord> upToLimitPlusOne, int limit)
    {
        ArgumentNullException.ThrowIfNull(upToLimitPlusOne);
        if (limit <= 0)
        {
            return new RoomMemberPage([], Next: null);
        }

        if (upToLimitPlusOne.Count <= limit)
        {
            return new RoomMemberPage(upToLimitPlusOne, Next: null);
        }

        var page = upToLimitPlusOne.Take(limit).ToList();
        return new RoomMemberPage(page, page[^1].UserId);
    }
}
