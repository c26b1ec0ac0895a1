using Microsoft.Extensions.Options;
using MongoDB.Driver;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Gateway.Media.Upload;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.Postgres;

namespace OrleansChat.Gateway.Media;

/// <summary>Registers uploads, the media store chosen by <c>Media:Provider</c>, signed URLs and message-body resolution.</summary>
public static class MediaHosting
{
    public static IServiceCollection AddMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>();
        var provider = configuration.GetSection(MediaOptions.SectionName).Get<MediaOptions>()?.Provider ?? MediaStoreProvider.Disk;
        if (provider == MediaStoreProvider.Postgres && configuration["MessageLog:Provider"] != "Postgres")
        {
            throw new OptionsValidationException(MediaOptions.SectionName, typeof(MediaOptions),
                ["Media:Provider Postgres keeps media in the chat database: it needs MessageLog:Provider Postgres"]);
        }

        if (provider == MediaStoreProvider.Postgres)
        {
            // An embedded silo registered the chat database's pool already (TryAdd keeps it: one pool per process); a
            // gateway in Cluster:Mode Client opens its own from the same MessageLog:Postgres settings.
            services.AddOptions<PostgresMessageLogOptions>().Bind(configuration.GetSection(PostgresMessageLogOptions.SectionName));
            services.TryAddSingleton<PostgresChatDatabase>();
        }

        var cipher = EncryptionAtRest(configuration);
        services.AddSingleton<IMediaStore>(sp =>
        {
            var store = CreateStore(sp, sp.GetRequiredService<IOptions<MediaOptions>>().Value);
            return cipher is null ? store : new EncryptingMediaStore(store, cipher);
        });
        services.AddSingleton<UploadRateLimiter>();
        services.AddSingleton<MediaUrlSigner>();
        services.AddSingleton<MediaAccess>();
        services.AddSingleton<MediaUploads>();
        services.AddSingleton<MediaBodies>();
        services.AddHostedService<MediaJanitor>();
        return services;
    }

    /// <summary>
    /// With <c>Media:EncryptAtRest</c>, the cipher over the message log's key ring; it must be there and sound, or start-up
    /// fails here (a gateway in Cluster:Mode Client needs <c>MessageLog:Encryption:Keys</c> in its own configuration too).
    /// </summary>
    private static MediaCipher? EncryptionAtRest(IConfiguration configuration)
    {
        if (!configuration.GetValue<bool>($"{MediaOptions.SectionName}:{nameof(MediaOptions.EncryptAtRest)}"))
        {
            return null;
        }

        var keys = configuration.GetSection(MessageLogEncryptionOptions.SectionName).Get<MessageLogEncryptionOptions>()?.Keys ?? [];
        return MediaCipher.Problem(keys) is { } problem
            ? throw new OptionsValidationException(MediaOptions.SectionName, typeof(MediaOptions), [problem])
            : new MediaCipher(keys);
    }

    private static IMediaStore CreateStore(IServiceProvider services, MediaOptions options) => options.Provider switch
    {
        MediaStoreProvider.Postgres => new PostgresMediaStore(services.GetRequiredService<PostgresChatDatabase>().DataSource),
        MediaStoreProvider.MongoDB => new MongoMediaStore(new MongoClient(options.Mongo.ConnectionString), options.Mongo),
        _ => new DiskMediaStore(options.DataFolder),
    };

    private sealed class MediaOptionsValidator : IValidateOptions<MediaOptions>
    {
        public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
