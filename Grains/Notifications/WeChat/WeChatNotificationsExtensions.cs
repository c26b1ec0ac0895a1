using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.WeChat;

namespace OrleansChat.Grains.Notifications.WeChat;

public static class WeChatNotificationsExtensions
{
    /// <summary>
    /// The WeChat subscribe-message channel and what it needs in a silo: the "WeChat" and "Notifications:WeChat"
    /// options (validated at start), the API client, and the channel as an <see cref="IUserNotificationChannel"/>.
    /// The channel is registered only when <c>Notifications:WeChat:TemplateId</c> is set: the outbox queues user
    /// notifications only when some channel could deliver them.
    /// </summary>
    public static IServiceCollection AddWeChatSubscribeMessages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddWeChatNotificationOptions(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(WeChatApiClient.HttpClientName, (sp, http) => http.Timeout = sp.GetRequiredService<IOptions<WeChatOptions>>().Value.Timeout);
        services.TryAddSingleton<WeChatApiClient>();
        var options = configuration.GetSection(WeChatNotificationOptions.SectionName).Get<WeChatNotificationOptions>();
        if (options?.IsConfigured == true)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IUserNotificationChannel, WeChatSubscribeChannel>());
        }
        return services;
    }

    /// <summary>
    /// The "WeChat" and "Notifications:WeChat" sections, validated at start: silos send with them, gateways name the
    /// template in <c>welcome</c>. In a gateway with an embedded silo both calls land in one container (harmless).
    /// </summary>
    public static IServiceCollection AddWeChatNotificationOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddWeChatOptions(configuration);
        services.AddOptions<WeChatNotificationOptions>().Bind(configuration.GetSection(WeChatNotificationOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatNotificationOptions>, WeChatNotificationOptionsValidation>());
        return services;
    }
}
