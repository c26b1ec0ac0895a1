namespace OrleansChat.Grains.Rooms;

/// <summary>
/// How far each member of a room has read, for read receipts (<c>conv.receipt</c>, <c>conv.readers</c>): one row
/// (document) per (room, user) in the database of the message log, beside the member rows:
/// <c>InMemoryRoomReadCursorStore</c>, <c>PostgresRoomReadCursorStore</c>, <c>MongoRoomReadCursorStore</c> beside this
/// file, every one passing the same conformance suite (Tests/Rooms/RoomReadCursorStoreConformanceTests.cs). A read
/// moves one row forward; there is no row per message and member: receipt counts come from sorting a room's cursors.
/// Only rooms of up to <c>Chat:ReceiptMaxMembers</c> members keep cursors here. The user's own read seq (unread
/// counts) stays in their user grain; these rows only say who may be shown as a reader.
/// </summary>
public interface IRoomReadCursorStore
{
    /// <summary>Every cursor of <paramref name="room"/>: user id to the highest seq they read.</summary>
    Task<IReadOnlyDictionary<string, long>> LoadAsync(string room, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves each user's cursor to the given seq, forward only (a lower seq than the stored one changes nothing), creating
    /// rows as needed; one round trip for the whole batch.
    /// </summary>
    Task AdvanceAsync(string room, IReadOnlyCollection<KeyValuePair<string, long>> cursors, CancellationToken cancellationToken = default);

    /// <summary>Drops the user's cursor (they left the room); a cursor that does not exist is no error.</summary>
    Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default);
}
