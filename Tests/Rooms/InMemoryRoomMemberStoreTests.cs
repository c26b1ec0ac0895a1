using OrleansChat.Grains.Rooms;

namespace OrleansChat.Tests.Rooms;

public sealed class InMemoryRoomMemberStoreTests : RoomMemberStoreConformanceTests
{
    protected override Task<IRoomMemberStore> CreateStoreAsync() => Task.FromResult<IRoomMemberStore>(new InMemoryRoomMemberStore());
}
