using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Mongo;
using OrleansChat.Grains.Notifications.Postgres;

namespace OrleansChat.Tests.Notifications;

/// <summary>Hosting puts the outbox beside the message log, and keeps one registered before (nothing here connects anywhere).</summary>
public sealed class OutboxWiringTests
{
    [Theory]
    [InlineData("InMemory", typeof(InMemoryNotificationOutbox))]
    [InlineData("Postgres", typeof(PostgresNotificationOutbox))]
    [InlineData("MongoDB", typeof(MongoNotificationOutbox))]
    public async Task The_outbox_follows_MessageLog_Provider(string provider, Type expected)
    {
        await using var services = Build(provider);
        Assert.IsType(expected, services.GetRequiredService<INotificationOutbox>());
    }

    [Fact]
    public async Task An_outbox_registered_before_is_kept()
    {
        var shared = new InMemoryNotificationOutbox();
        await using var services = Build("Postgres", shared);
        Assert.Same(shared, services.GetRequiredService<INotificationOutbox>());
    }

    private static ServiceProvider Build(string provider, INotificationOutbox? registered = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MessageLog:Provider"] = provider,
                ["MessageLog:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=none",
                ["MessageLog:Mongo:ConnectionString"] = "mongodb://127.0.0.1:1",
            })
            .Build();
        var services = new ServiceCollection();
        if (registered is not null)
        {
            services.AddSingleton(registered);
        }

        services.AddOptions<PostgresMessageLogOptions>().Bind(configuration.GetSection(PostgresMessageLogOptions.SectionName));
        services.AddOptions<MongoMessageLogOptions>().Bind(configuration.GetSection(MongoMessageLogOptions.SectionName));
        services.AddSingleton<PostgresChatDatabase>();
        NotificationSiloExtensions.AddOutbox(services, configuration);
        return services.BuildServiceProvider();
    }
}
