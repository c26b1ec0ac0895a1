using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.Rooms;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>One 2-silo cluster for the whole grain suite, with a short subscription expiry for the expiry tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromSeconds(2);

    /// <summary>Chat:AnnounceMaxMembers, low so that coalesced notices are reached with rooms a test fills in a second.</summary>
    public const int AnnounceMaxMembers = 20;

    /// <summary>
    /// The message log both silos share: in production each process has its own, but here two silos live in one
    /// process, and a grain reactivated on the other silo must find the log it wrote to.
    /// </summary>
    public static readonly InMemoryMessageLog SharedLog = new();

    /// <summary>The room member store both silos share, for the same reason as <see cref="SharedLog"/>.</summary>
    public static readonly InMemoryRoomMemberStore SharedMembers = new();

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
                    ["Chat:AnnounceMaxMembers"] = AnnounceMaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(SharedLog);
            siloBuilder.Services.AddSingleton<IRoomMemberStore>(SharedMembers);
            siloBuilder.AddChatGrains(configuration);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
