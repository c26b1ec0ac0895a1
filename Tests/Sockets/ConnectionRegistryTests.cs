using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets;

public sealed class ConnectionRegistryTests
{
    [Fact]
    public void One_period_of_slices_lists_every_user_and_room_once_and_forgets_what_left()
    {
        var registry = new ConnectionRegistry();
        var sockets = Enumerable.Range(0, 600).Select(i => new TestSocket(slow: false, user: $"u{i % 300}")).ToArray(); // two sockets per user
        foreach (var socket in sockets)
        {
            registry.Add(socket.Connection);
            registry.AddToRoom($"room{socket.Connection.User.Id.Length}", socket.Connection);
        }

        var leaving = sockets.Where(s => s.Connection.User.Id.EndsWith('7')).ToArray();
        foreach (var socket in leaving)
        {
            registry.Remove(socket.Connection);
        }

        var schedule = new RenewalSchedule(TimeSpan.FromSeconds(3));
        var slices = Enumerable.Range(0, schedule.Slices).Select(_ => schedule.Next()).ToArray();
        var users = slices.SelectMany(registry.UsersSnapshot).ToArray();
        var rooms = slices.SelectMany(registry.RoomsSnapshot).ToArray();

        var staying = sockets.Except(leaving).Select(s => s.Connection).ToArray();
        Assert.Equal(staying.Select(c => c.User.Id).Distinct().Order(), users.Select(u => u[0].User.Id).Order());
        Assert.All(users, local => Assert.Equal(2, local.Length));
        Assert.Equal(["room2", "room3", "room4"], rooms.Select(r => r.Room).Order());
        Assert.Equal(staying.Where(c => c.User.Id.Length == 3).Select(c => c.User.Id).Distinct().Order(), rooms.Single(r => r.Room == "room3").Users.Order());
        Array.ForEach(sockets, s => s.Dispose());
    }
}
