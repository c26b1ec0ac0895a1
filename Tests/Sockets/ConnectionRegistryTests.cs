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

    [Fact]
    public void A_users_first_socket_in_a_room_attaches_and_its_last_one_detaches()
    {
        var registry = new ConnectionRegistry();
        using var phone = new TestSocket(slow: false, user: "alice");
        using var laptop = new TestSocket(slow: false, user: "alice");
        using var bob = new TestSocket(slow: false, user: "bob");
        foreach (var socket in new[] { phone, laptop, bob })
        {
            registry.Add(socket.Connection);
        }

        Assert.True(registry.AddToRoom("r", phone.Connection));
        Assert.True(registry.AddToRoom("r", bob.Connection)); // another user's socket does not count
        Assert.False(registry.AddToRoom("r", laptop.Connection));
        Assert.False(registry.AddToRoom("r", laptop.Connection)); // already in
        Assert.True(registry.AddToRoom("s", laptop.Connection));

        Assert.False(registry.RemoveFromRoom("r", phone.Connection)); // the laptop is still there
        Assert.Equal(["r", "s"], registry.Remove(laptop.Connection).Order()); // alice's last socket in both; bob's stays in r
        Assert.Single(registry.InRoom("r"));
        Assert.Equal(["r"], registry.Remove(bob.Connection));
        Assert.Empty(registry.InRoom("r"));
    }
}
