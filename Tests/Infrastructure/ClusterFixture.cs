using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.Rooms;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>One 2-silo cluster for the whole grain suite, with a short subscription expiry for the expiry tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>
    /// Short, so that the expiry tests finish quickly, yet long enough that the test gateways' renewals (every fifth of
    /// it) outlast a stalled thread pool while the whole suite runs on two cores: at 2 s a room once dropped a gateway
    /// mid-test and the notice it sent meanwhile was lost (RoomAnnouncementTests, one full run in three).
    /// </summary>
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromSeconds(5);

    /// <summary>Chat:RecallWindow, short so that a test can outlast it; long enough for a recall right after a send on a loaded machine.</summary>
    public static readonly TimeSpan RecallWindow = TimeSpan.FromSeconds(5);

    /// <summary>Chat:AnnounceMaxMembers, low so that coalesced notices are reached with rooms a test fills in a second.</summary>
    public const int AnnounceMaxMembers = 20;

    /// <summary>Chat:ReceiptMaxMembers and Chat:PresenceMaxMembers, low so that tests reach rooms above them in a few joins.</summary>
    public const int ReceiptAndPresenceMaxMembers = 4;

    /// <summary>
    /// The message log both silos share: in production each process has its own, but here two silos live in one
    /// process, and a grain reactivated on the other silo must find the log it wrote to.
    /// </summary>
    public static readonly InMemoryMessageLog SharedLog = new();

    /// <summary>The room member store both silos share, for the same reason as <see cref="SharedLog"/>.</summary>
    public static readonly InMemoryRoomMemberStore SharedMembers = new();

    /// <summary>The rooms' read cursors, shared by both silos for the same reason.</summary>
    public static readonly InMemoryRoomReadCursorStore SharedReadCursors = new();

    /// <summary>The directory of public rooms, shared by both silos for the same reason.</summary>
    public static readonly InMemoryRoomDirectoryStore SharedDirectory = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<ChatSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    public TestGateway NewGateway(bool renew = true) => new(Client, renew, SubscriptionExpiry / 5);

    public sealed class ChatSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Chat:SubscriptionExpiry"] = SubscriptionExpiry.ToString("c", null),
                    ["Chat:MaxPageSize"] = "50",
                    ["Chat:RecallWindow"] = RecallWindow.ToString("c", null),
                    ["Chat:SenderReadFlushInterval"] = "00:00:01", // ConversationListTests watches the write happen
                    ["Chat:AnnounceMaxMembers"] = AnnounceMaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Chat:ReceiptMaxMembers"] = ReceiptAndPresenceMaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Chat:PresenceMaxMembers"] = ReceiptAndPresenceMaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(SharedLog);
            siloBuilder.Services.AddSingleton<IRoomMemberStore>(SharedMembers);
            siloBuilder.Services.AddSingleton<IRoomReadCursorStore>(SharedReadCursors);
            siloBuilder.Services.AddSingleton<IRoomDirectoryStore>(SharedDirectory);
            siloBuilder.AddChatGrains(configuration);
            siloBuilder.AddGrainInspection();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
