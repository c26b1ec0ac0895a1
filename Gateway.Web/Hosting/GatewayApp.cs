using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Auth.WeChat;
using OrleansChat.Gateway.Limits;
using OrleansChat.Gateway.Media;
using OrleansChat.Gateway.Observability;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Gateway.Security;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Grains;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Grains.WeChat;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;

namespace OrleansChat.Gateway.Hosting;

/// <summary>Builds the gateway application; Program.cs and the end-to-end tests both start it through here.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddChatOrleans();
        AddGatewayServices(builder);
        UseSocketOutput(builder);
        var forwarded = builder.Configuration.ReadForwardedHeaders();
        var operationsPort = builder.ListenOnOperationsPort();

        var app = builder.Build();
        app.UseChatForwardedHeaders(forwarded);
        app.UseOperationsPort(operationsPort);
        app.UseWebSockets();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapAuthEndpoints();
        app.MapCryptoEndpoints();
        app.MapMediaEndpoints();
        app.MapChatWebSocket();
        app.MapChatOperations(app.Configuration);
        return app;
    }

    private static void AddGatewayServices(WebApplicationBuilder builder)
    {
        var (services, configuration) = (builder.Services, builder.Configuration);
        services.AddOptions<SocketOptions>().Bind(configuration.GetSection(SocketOptions.SectionName)).ValidateOnStart()
            .Validate(o => o.MaxFrameBytes >= 1024 && o.SendQueueCapacity >= 1 && o.IdleTimeout > TimeSpan.Zero, "Sockets: MaxFrameBytes >= 1024, SendQueueCapacity >= 1, IdleTimeout > 0")
            .Validate(o => o.DrainTimeout > TimeSpan.Zero, "Sockets:DrainTimeout must be positive")
            .Validate(o => o.MaxConcurrentConnects >= 0 && o.ConnectQueueLimit >= 0 && o.ConnectRetryAfter > TimeSpan.Zero, "Sockets: MaxConcurrentConnects >= 0 (0: no limit), ConnectQueueLimit >= 0, ConnectRetryAfter > 0");
        services.AddOptions<ProtocolOptions>().Bind(configuration.GetSection(ProtocolOptions.SectionName)).ValidateOnStart()
            .Validate(o => o.MaxJsonDepth is >= 4 and <= 64 && o.MaxTextLength >= 1 && o.MaxClientIdLength >= 1, "Protocol: MaxJsonDepth 4-64, MaxTextLength >= 1, MaxClientIdLength >= 1")
            .Validate(o => o.MaxSendsInFlight is >= 1 and <= 1024, "Protocol:MaxSendsInFlight must be 1-1024")
            .Validate(o => o.SendTimeout >= TimeSpan.FromSeconds(1) && o.SendTimeout <= TimeSpan.FromMinutes(5), "Protocol:SendTimeout must be 1 s-5 min");
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart()
            .Validate(o => o.TokenLifetime > TimeSpan.Zero, "Auth:TokenLifetime must be positive")
            .Validate(o => o.VerifiedTokenCacheSize >= 0, "Auth:VerifiedTokenCacheSize must be >= 0 (0: no cache)");
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName)).ValidateOnStart()
            .Validate(o => o.IsValid, "RateLimits: each bucket needs PerSecond > 0 and Burst >= 1, or PerSecond 0 (unlimited)");
        services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatOptions>, ChatOptionsValidation>());

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TokenService>();
        AddIdentityServices(services, configuration);
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<FanoutLanes>();
        services.AddSingleton<LocalGateway>();
        services.AddSingleton<FrameReader>();
        services.AddSingleton<FrameValidator>();
        services.AddSingleton<MediaUrlPolicy>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<ConnectAdmission>();
        services.AddHostedService<ConnectionMaintenance>();
        services.AddMedia(configuration);
        AddOperations(builder);
    }

    /// <summary>Every connection writes through a <see cref="SocketOutput"/> unless Sockets:DirectOutput is false.</summary>
    private static void UseSocketOutput(WebApplicationBuilder builder)
    {
        if (StartupSocketOptions(builder).DirectOutput)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.UseSocketOutput()));
        }
    }

    /// <summary>The "Sockets" settings as configured, for the choices made while the host is built (before options exist).</summary>
    private static SocketOptions StartupSocketOptions(WebApplicationBuilder builder) =>
        builder.Configuration.GetSection(SocketOptions.SectionName).Get<SocketOptions>() ?? new SocketOptions();

    /// <summary>Metrics, health, and the drain; the host's shutdown timeout covers the drain plus leaving the cluster.</summary>
    private static void AddOperations(WebApplicationBuilder builder)
    {
        var drainTimeout = StartupSocketOptions(builder).DrainTimeout;
        var orleans = OrleansHostOptions.From(builder.Configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drainTimeout + orleans.ShutdownTimeout);
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayDrain>());
        builder.Services.AddChatOperations("orleanschat-gateway", GatewayMetrics.MeterName)
            .AddHealthChecks().AddCheck<ClusterReadinessHealthCheck>("cluster", tags: [OperationsEndpoints.ReadyTag]);
    }

    /// <summary>Login providers, WeChat's API client and the session-encryption keys (issue 4).</summary>
    private static void AddIdentityServices(IServiceCollection services, ConfigurationManager configuration)
    {
        services.AddWeChatNotificationOptions(configuration); // the "WeChat" section too; welcome names the templates
        services.AddHttpClient<WeChatClient>((sp, http) => http.Timeout = sp.GetRequiredService<IOptions<WeChatOptions>>().Value.Timeout);
        services.AddTransient<ILoginProvider, DevLoginProvider>();
        services.AddTransient<ILoginProvider, WeChatLoginProvider>();
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<EncryptionKeyRing>();
    }
}
