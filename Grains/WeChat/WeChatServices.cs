using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.WeChat;

public static class WeChatServices
{
    /// <summary>
    /// The "WeChat" section, bound and validated at start; the gateway (login) and the silo (sends) both call this,
    /// and in a gateway with an embedded silo both calls land in one container, so the validation is added once.
    /// </summary>
    public static IServiceCollection AddWeChatOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WeChatOptions>().Bind(configuration.GetSection(WeChatOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatOptions>, WeChatOptionsValidation>());
        return services;
    }
}
