using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansChat.Grains.MessageLog;

namespace OrleansChat.Grains.Hosting;

public static class ChatSiloExtensions
{
    /// <summary>The storage provider name every chat grain's state uses.</summary>
    public const string StorageName = "chat";

    /// <summary>
    /// Everything the chat grains need, in one place: the Silo host, the gateway's embedded silo and the test
    /// cluster all call this. Services registered before it (a test's shared message log, say) are kept.
    /// </summary>
    public static ISiloBuilder AddChatGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.SectionName));
        silo.Services.TryAddSingleton(TimeProvider.System);
        AddMessageLog(silo.Services, configuration);
        silo.AddMemoryGrainStorage(StorageName);
        return silo;
    }

    /// <summary>The message log backend, chosen by "MessageLog:Provider" (default "InMemory").</summary>
    private static void AddMessageLog(IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["MessageLog:Provider"] ?? "InMemory";
        switch (provider)
        {
            case "InMemory":
                services.TryAddSingleton<IMessageLog, InMemoryMessageLog>();
                break;
            default:
                throw new InvalidOperationException($"Unknown MessageLog:Provider '{provider}'.");
        }
    }
}
