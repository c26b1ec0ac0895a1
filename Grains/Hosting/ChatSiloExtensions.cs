using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Grains.Hosting;

public static class ChatSiloExtensions
{
    /// <summary>The key of the one pool of room rows kept beside PostgreSQL grain state (with the in-memory log).</summary>
    private const string RoomRowsPool = "chat-room-rows";

    /// <summary>The storage provider name every chat grain's state uses.</summary>
    public const string StorageName = "chat";

    /// <summary>
    /// Everything the chat grains need, in one place: the Silo host, the gateway's embedded silo and the test
    /// cluster all call this. Services registered before it (a test's shared message log, say) are kept.
    /// </summary>
    public static ISiloBuilder AddChatGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.SectionName)).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatOptions>, ChatOptionsValidation>());
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<ChatMetrics>();
        CollectIdleUsersPastTheExpiry(silo.Services);
        AddMessageLog(silo.Services, configuration);
        AddGrainStorage(silo, configuration);
        silo.AddNotifications(configuration);
        silo.Services.AddWeChatSubscribeMessages(configuration); // a channel of the notifications: WeChat subscribe messages
        return silo;
    }

    /// <summary>
    /// A user grain's expiry clock is Orleans' idle collection, not a timer per user (10,000 grain timers cost the
    /// gateway's embedded silo 5 % of a core at idle): live gateways renew every user three times per expiry, so a
    /// user grain idle for longer than the expiry has only dead gateways left, and <see cref="UserGrain.OnDeactivateAsync"/>
    /// announces it offline. A collection pass runs every third of the expiry (or every minute, Orleans' default, if
    /// that is shorter), so a dead gateway's users go offline between 1.1 and ~1.45 expiries after its last renewal.
    /// </summary>
    private static void CollectIdleUsersPastTheExpiry(IServiceCollection services) =>
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<ChatOptions>>((collection, chat) =>
        {
            var expiry = chat.Value.SubscriptionExpiry;
            collection.CollectionQuantum = TimeSpan.FromTicks(Math.Min(collection.CollectionQuantum.Ticks, (expiry / 3).Ticks));
            collection.ClassSpecificCollectionAge[typeof(UserGrain).FullName!] = expiry * 1.1;
        });

    /// <summary>
    /// The message log backend, chosen by "MessageLog:Provider": InMemory (default), MongoDB or Postgres. Room members
    /// (<see cref="IRoomMemberStore"/>) live in the same database, one row per member.
    /// </summary>
    internal static void AddMessageLog(IServiceCollection services, IConfiguration configuration)
    {
        var provider = (configuration.GetSection(MessageLogOptions.SectionName).Get<MessageLogOptions>() ?? new MessageLogOptions()).Provider;
        switch (provider)
        {
            case MessageLogProvider.InMemory:
                services.TryAddSingleton<IMessageLog, InMemoryMessageLog>();
                AddRoomMembersBesideGrainState(services, configuration);
                break;
            case MessageLogProvider.MongoDB:
                services.AddOptions<MongoMessageLogOptions>().Bind(configuration.GetSection(MongoMessageLogOptions.SectionName))
                    .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "MessageLog:Mongo:ConnectionString is required")
                    .ValidateOnStart();
                services.TryAddSingleton<IMessageLog>(sp => WithGroupCommit(
                    sp, new MongoMessageLog(sp.GetRequiredService<IOptions<MongoMessageLogOptions>>()), ensureStorable: null));
                services.TryAddSingleton<IRoomMemberStore, MongoRoomMemberStore>();
                services.TryAddSingleton<IRoomReadCursorStore, MongoRoomReadCursorStore>();
                services.TryAddSingleton<IRoomDirectoryStore, MongoRoomDirectoryStore>();
                break;
            case MessageLogProvider.Postgres:
                services.AddOptions<PostgresMessageLogOptions>().Bind(configuration.GetSection(PostgresMessageLogOptions.SectionName))
                    .ValidateOnStart();
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresMessageLogOptions>, PostgresMessageLogOptionsValidator>());
                services.TryAddSingleton<PostgresChatDatabase>(); // the silo's one pool to the chat database: share it
                services.TryAddSingleton<IMessageLog>(sp => WithGroupCommit(
                    sp, new PostgresMessageLog(sp.GetRequiredService<PostgresChatDatabase>().DataSource), PostgresMessageRows.EnsureStorable));
                services.TryAddSingleton<IRoomMemberStore>(sp => new PostgresRoomMemberStore(sp.GetRequiredService<PostgresChatDatabase>().DataSource));
                services.TryAddSingleton<IRoomReadCursorStore>(sp => new PostgresRoomReadCursorStore(sp.GetRequiredService<PostgresChatDatabase>().DataSource));
                services.TryAddSingleton<IRoomDirectoryStore>(sp => new PostgresRoomDirectoryStore(sp.GetRequiredService<PostgresChatDatabase>().DataSource));
                break;
            default:
                throw new InvalidOperationException($"Unknown MessageLog:Provider '{provider}': use InMemory, MongoDB or Postgres.");
        }

        if (provider != MessageLogProvider.InMemory)
        {
            services.AddOptions<GroupCommitOptions>().Bind(configuration.GetSection(GroupCommitOptions.SectionName))
                .Validate(o => o.Problem() is null, "MessageLog:GroupCommit: Lanes 1-256, MaxBatchMessages 1-4000, MaxBatchBytes >= 1024, MaxQueuedMessages >= MaxBatchMessages")
                .ValidateOnStart();
        }

        EncryptMessageLog(services, configuration);
    }

    /// <summary>
    /// Room members follow the log into its database; with the in-memory log they follow durable grain state instead
    /// (Storage:Provider = Postgres, the database <c>Silo migrate</c> prepares), so rooms kept in PostgreSQL keep their
    /// members across restarts, including those a legacy room state hands over to rows. That pool is capped like grain
    /// storage's (Storage:Postgres:MaxPoolSize) and counts once more in the connection budget (docs/deploy.md): ONE
    /// pool, shared by the member rows, the rooms' read cursors and the room directory.
    /// </summary>
    private static void AddRoomMembersBesideGrainState(IServiceCollection services, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == GrainStorageProvider.Postgres && !string.IsNullOrWhiteSpace(storage.Postgres.ConnectionString))
        {
            // Created on first use and disposed with the container, like the stores that share it.
            services.TryAddKeyedSingleton(RoomRowsPool, (_, _) => NpgsqlDataSource.Create(storage.Postgres.PooledConnectionString()));
            services.TryAddSingleton<IRoomMemberStore>(sp => new PostgresRoomMemberStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(RoomRowsPool)));
            services.TryAddSingleton<IRoomReadCursorStore>(sp => new PostgresRoomReadCursorStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(RoomRowsPool)));
            services.TryAddSingleton<IRoomDirectoryStore>(sp => new PostgresRoomDirectoryStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(RoomRowsPool)));
        }
        else
        {
            services.TryAddSingleton<IRoomMemberStore, InMemoryRoomMemberStore>();
            services.TryAddSingleton<IRoomReadCursorStore, InMemoryRoomReadCursorStore>();
            services.TryAddSingleton<IRoomDirectoryStore, InMemoryRoomDirectoryStore>();
        }
    }

    /// <summary>
    /// A durable log always goes behind <see cref="GroupCommitMessageLog"/>: appends are batched, so one commit carries
    /// many messages. There is no switch to turn it off: the grains pipeline sends, and the lanes are what keep one
    /// conversation's appends in order and stop a failed seq's successors (docs/architecture.md, "Group commit"). The
    /// in-memory log is not wrapped: it completes each append at once and has no round trip to save.
    /// </summary>
    private static GroupCommitMessageLog WithGroupCommit(IServiceProvider services, IMessageLog durable, Action<ChatMessage>? ensureStorable) =>
        new(durable, services.GetRequiredService<IOptions<GroupCommitOptions>>().Value, ensureStorable, metrics: services.GetService<ChatMetrics>());

    /// <summary>With keys in "MessageLog:Encryption:Keys", the chosen log is wrapped in an <see cref="EncryptingMessageLog"/>.</summary>
    private static void EncryptMessageLog(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MessageLogEncryptionOptions.SectionName).Get<MessageLogEncryptionOptions>();
        if (options is not { Keys.Count: > 0 })
        {
            return;
        }

        var cipher = new BodyCipher(options.Keys);
        var inner = services.Last(d => d.ServiceType == typeof(IMessageLog));
        services.Remove(inner);
        services.AddSingleton<IMessageLog>(sp => new EncryptingMessageLog(Resolve(sp, inner), cipher));
    }

    private static IMessageLog Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IMessageLog)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    /// <summary>Grain state storage, chosen by "Storage:Provider": Memory (default) or Postgres.</summary>
    private static void AddGrainStorage(ISiloBuilder silo, IConfiguration configuration)
    {
        var options = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider)
        {
            case GrainStorageProvider.Memory:
                // Binary, as in PostgreSQL: the default JSON with .NET type names cost ~6 KB of garbage per user write
                // (a user's first connect writes its profile), 13 % of what 10,000 connects allocate.
                silo.AddMemoryGrainStorage(StorageName, o => o.Configure<Serializer>((memory, serializer) =>
                    memory.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                break;
            case GrainStorageProvider.Postgres when string.IsNullOrWhiteSpace(options.Postgres.ConnectionString):
                throw new InvalidOperationException("Storage:Provider is Postgres but Storage:Postgres:ConnectionString is empty");
            case GrainStorageProvider.Postgres:
                var connectionString = options.Postgres.PooledConnectionString(); // bad pool settings fail here, at start
                silo.AddAdoNetGrainStorage(StorageName, o => o.Configure<Serializer, IGrainStorageSerializer>((ado, serializer, providerDefault) =>
                {
                    ado.Invariant = "Npgsql";
                    ado.ConnectionString = connectionString;
                    // Binary with [Id]s instead of the default JSON with type names: see ChatGrainStorageSerializer.
                    ado.GrainStorageSerializer = new ChatGrainStorageSerializer(new OrleansGrainStorageSerializer(serializer), providerDefault);
                }));
                break;
            default:
                throw new InvalidOperationException($"Unknown Storage:Provider '{options.Provider}': use Memory or Postgres.");
        }
    }
}
