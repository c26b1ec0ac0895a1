using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>
/// A gateway with every limit switched on and small: slow token buckets (one token per 5 s, so no test sees a
/// refill), two connections per user, two rooms per user, one allowed origin and two media hosts.
/// </summary>
public sealed class LimitedGatewayFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "https://chat.example.com";

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits:Enabled"] = "true",
        ["RateLimits:FramesPerConnection:PerSecond"] = "0.2",
        ["RateLimits:FramesPerConnection:Burst"] = "6",
        ["RateLimits:FramesPerUser:PerSecond"] = "0.2",
        ["RateLimits:FramesPerUser:Burst"] = "9",
        ["RateLimits:SendsPerConnection:PerSecond"] = "0.2",
        ["RateLimits:SendsPerConnection:Burst"] = "3",
        ["RateLimits:SendsPerUser:PerSecond"] = "0.2",
        ["RateLimits:SendsPerUser:Burst"] = "100",
        ["Sockets:MaxConnectionsPerUser"] = "2",
        ["Sockets:AllowedOrigins:0"] = AllowedOrigin,
        ["Protocol:MediaHosts:0"] = "cdn.example.com",
        ["Protocol:MediaHosts:1"] = "*.media.example.com",
        ["Chat:MaxRoomsPerUser"] = "2",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A gateway that takes at most three sockets from one address (every test client is 127.0.0.1).</summary>
public sealed class PerAddressGatewayFixture : IAsyncLifetime
{
    public const int MaxPerAddress = 3;

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Sockets:MaxConnectionsPerAddress"] = MaxPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class LimitedGatewayGroup : ICollectionFixture<LimitedGatewayFixture>
{
    public const string Name = "gateway-limited";
}
