using OrleansChat.Grains;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>Every member of a room, read page by page the way a client does (the grain answers one page at a time).</summary>
public static class RoomMembersExtensions
{
    public static async Task<IReadOnlyList<RoomMember>> GetMembers(this IGroupRoomGrain room, string askingUserId)
    {
        List<RoomMember> members = [];
        string? cursor = null;
        do
        {
            var page = await room.GetMemberPage(askingUserId, cursor, limit: null);
            members.AddRange(page.Members);
            cursor = page.Next;
        }
        while (cursor is not null);

        return members;
    }
}
