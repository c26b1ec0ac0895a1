using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Mongo;
using OrleansChat.Grains.Notifications.Postgres;
using OrleansChat.Grains.Notifications.Webhooks;

namespace OrleansChat.Grains.Hosting;

public static class NotificationSiloExtensions
{
    /// <summary>
    /// The offline-notification outbox (docs/architecture.md, "Offline notifications"): options (validated at start),
    /// the store beside the message log (chosen by <c>MessageLog:Provider</c>; a store registered before is kept, as
    /// tests do), the enqueuer, the shard workers' dispatcher, the poller and the webhook sender. Channels
    /// (<see cref="IUserNotificationChannel"/>) are registered by their own extensions, before or after this.
    /// Called by <see cref="ChatSiloExtensions.AddChatGrains"/>.
    /// </summary>
    public static ISiloBuilder AddNotifications(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidation>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<NotificationMetrics>();
        AddOutbox(services, configuration);
        services.TryAddSingleton<NotificationEnqueuer>();
        services.TryAddSingleton<NotificationPublisher>();
        services.TryAddSingleton<NotificationDispatcher>();
        services.TryAddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.HttpClientName);
        services.AddHostedService<NotificationPoller>();
        return silo;
    }

    /// <summary>The outbox beside the message log: PostgreSQL or MongoDB when the log is there, else in memory.</summary>
    internal static void AddOutbox(IServiceCollection services, IConfiguration configuration)
    {
        var provider = (configuration.GetSection(MessageLogOptions.SectionName).Get<MessageLogOptions>() ?? new MessageLogOptions()).Provider;
        switch (provider)
        {
            case MessageLogProvider.MongoDB:
                services.TryAddSingleton<INotificationOutbox>(sp => new MongoNotificationOutbox(sp.GetRequiredService<IOptions<MongoMessageLogOptions>>()));
                break;
            case MessageLogProvider.Postgres:
                services.TryAddSingleton<INotificationOutbox>(sp => new PostgresNotificationOutbox(sp.GetRequiredService<PostgresChatDatabase>().DataSource));
                break;
            default:
                services.TryAddSingleton<INotificationOutbox, InMemoryNotificationOutbox>();
                break;
        }
    }
}
