using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// Two silos with WeChat subscribe messages configured against the local fake of WeChat's API. The tests of the
/// collection share the fake's token: each works with its own users and reads the fake's counters as deltas.
/// </summary>
public sealed class WeChatClusterFixture : IAsyncLifetime
{
    public const string TemplateId = "tmpl-new-message";
    public const int MaxCredits = 3;

    public FakeWeChatServer WeChat { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public static Dictionary<string, string?> Settings(Uri wechat) => new()
    {
        ["WeChat:BaseUrl"] = wechat.ToString(),
        ["WeChat:AppId"] = FakeWeChatServer.AppId,
        ["WeChat:Secret"] = FakeWeChatServer.Secret,
        ["WeChat:Timeout"] = "00:00:03",
        ["Notifications:WeChat:TemplateId"] = TemplateId,
        ["Notifications:WeChat:Page"] = "pages/chat/chat",
        ["Notifications:WeChat:Fields:title"] = "thing1",
        ["Notifications:WeChat:Fields:sender"] = "name2",
        ["Notifications:WeChat:Fields:count"] = "number3",
        ["Notifications:WeChat:Fields:time"] = "time4",
        ["Notifications:WeChat:Fields:preview"] = "thing5",
        ["Notifications:IncludePreview"] = "true",
        ["Notifications:WeChat:IncludeMessageText"] = "true",
        ["Notifications:WeChat:MaxCredits"] = MaxCredits.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async Task InitializeAsync()
    {
        WeChat = await FakeWeChatServer.StartAsync();
        Cluster = await OwnTestCluster.StartAsync<Configurator>(
            silos: 2, builder => builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(Settings(WeChat.BaseUri))));
    }

    public async Task DisposeAsync()
    {
        await OwnTestCluster.StopAsync(Cluster);
        await WeChat.DisposeAsync();
    }

    /// <summary>The channel as the outbox workers find it: registered in a silo's services.</summary>
    public IUserNotificationChannel Channel(int silo = 0)
    {
        var handle = Cluster.Silos[silo] as InProcessSiloHandle ?? throw new InvalidOperationException("the test silos run in process");
        return handle.SiloHost.Services.GetServices<IUserNotificationChannel>().Single(c => c.Name == WeChatSubscribeChannel.ChannelName);
    }

    /// <summary>A user who logged in through WeChat (openid recorded) holding <paramref name="credits"/> credits.</summary>
    public async Task<string> NewSubscriberAsync(int credits, string prefix = "o")
    {
        var userId = prefix + Guid.NewGuid().ToString("N")[..20];
        var subscriber = Grains.GetGrain<IWeChatSubscriberGrain>(userId);
        await subscriber.SetOpenId(userId);
        for (var i = 0; i < credits; i++)
        {
            await subscriber.ReportSubscriptions(new Dictionary<string, Model.SubscribeDecision> { [TemplateId] = Model.SubscribeDecision.Accept });
        }

        return userId;
    }

    public static UserNotification Notification(string userId, string? id = null, string title = "lobby", string sender = "Alice", string? preview = "hello", int count = 2) =>
        new(id ?? Guid.NewGuid().ToString("N"), userId, "room:lobby", IsRoom: true, title, sender, preview, count, new DateTimeOffset(2026, 12, 7, 4, 5, 0, TimeSpan.Zero));

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddChatGrains(siloBuilder.Configuration);
    }
}

[CollectionDefinition(Name)]
public sealed class WeChatClusterGroup : ICollectionFixture<WeChatClusterFixture>
{
    public const string Name = "wechat-cluster";
}
