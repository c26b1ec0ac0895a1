using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        AddGrainStorage(silo, configuration);
        return silo;
    }

    /// <summary>The message log backend, chosen by "MessageLog:Provider": InMemory (default), MongoDB or Postgres.</summary>
    private static void AddMessageLog(IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["MessageLog:Provider"] ?? "InMemory";
        switch (provider)
        {
            case "InMemory":
                services.TryAddSingleton<IMessageLog, InMemoryMessageLog>();
                break;
            case "MongoDB":
                services.AddOptions<MongoMessageLogOptions>().Bind(configuration.GetSection(MongoMessageLogOptions.SectionName))
                    .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "MessageLog:Mongo:ConnectionString is required")
                    .ValidateOnStart();
                services.TryAddSingleton<IMessageLog, MongoMessageLog>();
                break;
            case "Postgres":
                services.AddOptions<PostgresMessageLogOptions>().Bind(configuration.GetSection(PostgresMessageLogOptions.SectionName))
                    .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "MessageLog:Postgres:ConnectionString is required")
                    .ValidateOnStart();
                services.TryAddSingleton<IMessageLog>(sp => new PostgresMessageLog(sp.GetRequiredService<IOptions<PostgresMessageLogOptions>>()));
                break;
            default:
                throw new InvalidOperationException($"Unknown MessageLog:Provider '{provider}': use InMemory, MongoDB or Postgres.");
        }
    }

    /// <summary>Grain state storage, chosen by "Storage:Provider": Memory (default) or Postgres.</summary>
    private static void AddGrainStorage(ISiloBuilder silo, IConfiguration configuration)
    {
        var options = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider)
        {
            case GrainStorageProvider.Memory:
                silo.AddMemoryGrainStorage(StorageName);
                break;
            case GrainStorageProvider.Postgres when string.IsNullOrWhiteSpace(options.Postgres.ConnectionString):
                throw new InvalidOperationException("Storage:Provider is Postgres but Storage:Postgres:ConnectionString is empty");
            case GrainStorageProvider.Postgres:
                silo.AddAdoNetGrainStorage(StorageName, o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = options.Postgres.ConnectionString;
                });
                break;
            default:
                throw new InvalidOperationException($"Unknown Storage:Provider '{options.Provider}': use Memory or Postgres.");
        }
    }
}
