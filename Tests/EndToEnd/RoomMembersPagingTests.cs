using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary><c>room.members</c> over a real socket: pages with <c>cursor</c>/<c>limit</c>/<c>next</c>, the first page without a cursor.</summary>
[Collection(GatewayGroup.Name)]
public sealed class RoomMembersPagingTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Members_come_page_by_page_in_user_id_order_and_without_a_cursor_as_the_first_page()
    {
        var room = GatewayServer.UniqueName("room");
        var clients = new List<ChatClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var client = await _server.ConnectAsync(GatewayServer.UniqueName($"user{i}"), $"User {i}");
                clients.Add(client);
                await client.AckedAsync(id => new { type = "room.join", id, room });
            }

            var asker = clients[0];
            var ids = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await asker.AckedAsync(id => cursor is null
                    ? new { type = "room.members", id, room, limit = 2 } as object
                    : new { type = "room.members", id, room, cursor, limit = 2 });
                Assert.Equal("members", page.Type);
                ids.AddRange(page.Json.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user").GetProperty("id").GetString()!));
                cursor = page.Json.TryGetProperty("next", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String ? next.GetString() : null;
                pages++;
            }
            while (cursor is not null);

            Assert.Equal(3, pages);
            Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
            Assert.Equal(5, ids.Distinct().Count());

            var whole = await asker.AckedAsync(id => new { type = "room.members", id, room });
            Assert.Equal(ids, whole.Json.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user").GetProperty("id").GetString()!));
            Assert.False(whole.Json.TryGetProperty("next", out var none) && none.ValueKind != System.Text.Json.JsonValueKind.Null);

            var refused = await asker.RequestAsync(id => new { type = "room.members", id, room, limit = 0 });
            Assert.Equal(("error", "bad_request"), (refused.Type, refused.Str("code")));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
