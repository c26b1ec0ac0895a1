using System.Text;
using System.Text.Json;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Protocol;

/// <summary>The wire shape of <c>room.activity</c> and <c>room.notices</c>, as docs/protocol.md shows them, and the option's validation.</summary>
public sealed class RoomNoticesWireTests
{
    [Fact]
    public void Room_activity_is_written_as_documented()
    {
        var frame = new RoomActivityEvent(
            "lobby", [new UserProfile("o_bob", "Bob", null), new UserProfile("o_cy", "Cy", null)], 12, [new UserProfile("o_dan", "Dan", null)], 1, 10_234, 1796198401100);

        var json = Encoding.UTF8.GetString(ProtocolJson.Serialize(frame));

        Assert.Equal(
            """{"type":"room.activity","room":"lobby","joined":[{"id":"o_bob","name":"Bob"},{"id":"o_cy","name":"Cy"}],"joinedCount":12,"left":[{"id":"o_dan","name":"Dan"}],"leftCount":1,"members":10234,"ts":1796198401100}""",
            json);
    }

    [Theory]
    [InlineData("off", RoomNotices.Off)]
    [InlineData("auto", RoomNotices.Auto)]
    public void Room_notices_reads_its_switch(string wire, RoomNotices expected)
    {
        var frame = JsonSerializer.Deserialize<ClientFrame>($$"""{"type":"room.notices","id":"c21","room":"staff","notices":"{{wire}}"}""", ProtocolJson.Options);

        Assert.Equal(new RoomNoticesCommand("staff", expected) { Id = "c21" }, frame);
    }

    [Fact]
    public void Room_notices_refuses_an_unknown_switch()
    {
        Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize<ClientFrame>("""{"type":"room.notices","room":"staff","notices":"loud"}""", ProtocolJson.Options));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(500, true)]
    public void Announce_max_members_must_not_be_negative(int value, bool valid)
    {
        var result = new ChatOptionsValidation().Validate(null, new ChatOptions { AnnounceMaxMembers = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Chat:AnnounceMaxMembers", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
