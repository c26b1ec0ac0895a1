using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>One gateway with default settings, shared by the end-to-end tests (each test uses its own users and rooms).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A gateway with tight limits: a short idle timeout, a small send queue, registrations that expire fast.</summary>
public sealed class TightGatewayFixture : IAsyncLifetime
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Renewed every second, in 4 slices of 250 ms.</summary>
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromSeconds(3);

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Sockets:IdleTimeout"] = IdleTimeout.ToString(),
        ["Sockets:SendQueueCapacity"] = "64",
        ["Sockets:CloseTimeout"] = "00:00:01",
        ["Chat:SubscriptionExpiry"] = SubscriptionExpiry.ToString(),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class GatewayGroup : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

[CollectionDefinition(Name)]
public sealed class TightGatewayGroup : ICollectionFixture<TightGatewayFixture>
{
    public const string Name = "gateway-tight";
}
