using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// A 2-silo cluster with offline notifications switched on: one recording user channel and a webhook endpoint on a
/// real local Kestrel, both shared by the silos, like the outbox (two silos in one process must see one store). The
/// coalescing window is a day so that no test straddles a window's edge (windows are aligned slices of time).
/// </summary>
public sealed class NotificationClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromSeconds(5);

    public static readonly InMemoryMessageLog SharedLog = new();
    public static readonly InMemoryRoomMemberStore SharedMembers = new();
    public static readonly InMemoryNotificationOutbox SharedOutbox = new();
    public static readonly RecordingChannel SharedChannel = new("test");
    public static readonly string Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static WebhookReceiver? _receiver;

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public static WebhookReceiver Receiver => _receiver!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(Secret);
        Cluster = await OwnTestCluster.StartAsync<SiloConfigurator>(silos: 2);
    }

    public async Task DisposeAsync()
    {
        await OwnTestCluster.StopAsync(Cluster);
        await _receiver!.DisposeAsync();
    }

    public TestGateway NewGateway() => new(Client, renew: true, SubscriptionExpiry / 5);

    /// <summary>The notifications the channel was given for <paramref name="userId"/>, in order.</summary>
    public static IReadOnlyList<UserNotification> DeliveredTo(string userId) => [.. SharedChannel.Delivered.Where(n => n.UserId == userId)];

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Chat:SubscriptionExpiry"] = SubscriptionExpiry.ToString("c", null),
                    ["Notifications:CoalesceWindow"] = "1.00:00:00",
                    ["Notifications:PollInterval"] = "00:00:00.200",
                    ["Notifications:IncludePreview"] = "true",
                    ["Notifications:Webhooks:Urls:0"] = _receiver!.Url,
                    ["Notifications:Webhooks:Secrets:0"] = Secret,
                })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(SharedLog);
            siloBuilder.Services.AddSingleton<IRoomMemberStore>(SharedMembers);
            siloBuilder.Services.AddSingleton<INotificationOutbox>(SharedOutbox);
            siloBuilder.Services.AddSingleton<IUserNotificationChannel>(SharedChannel);
            siloBuilder.AddChatGrains(configuration);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class NotificationCluster : ICollectionFixture<NotificationClusterFixture>
{
    public const string Name = "NotificationCluster";
}
