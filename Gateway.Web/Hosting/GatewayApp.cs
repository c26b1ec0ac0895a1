using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Limits;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Grains;

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

        var app = builder.Build();
        app.UseWebSockets();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapAuthEndpoints();
        app.MapChatWebSocket();
        return app;
    }

    private static void AddGatewayServices(WebApplicationBuilder builder)
    {
        var (services, configuration) = (builder.Services, builder.Configuration);
        services.AddOptions<SocketOptions>().Bind(configuration.GetSection(SocketOptions.Section)).ValidateOnStart()
            .Validate(o => o.MaxFrameBytes >= 1024 && o.SendQueueCapacity >= 1 && o.IdleTimeout > TimeSpan.Zero, "Sockets: MaxFrameBytes >= 1024, SendQueueCapacity >= 1, IdleTimeout > 0");
        services.AddOptions<ProtocolOptions>().Bind(configuration.GetSection(ProtocolOptions.Section)).ValidateOnStart()
            .Validate(o => o.MaxJsonDepth is >= 4 and <= 64 && o.MaxTextLength >= 1 && o.MaxPageSize >= 1, "Protocol: MaxJsonDepth 4-64, MaxTextLength >= 1, MaxPageSize >= 1");
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart()
            .Validate(o => o.TokenLifetime > TimeSpan.Zero, "Auth:TokenLifetime must be positive");
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateOnStart()
            .Validate(o => o.IsValid, "RateLimits: each bucket needs PerSecond > 0 and Burst >= 1, or PerSecond 0 (unlimited)");
        services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.SectionName));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TokenService>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<LocalGateway>();
        services.AddSingleton<FrameReader>();
        services.AddSingleton<FrameValidator>();
        services.AddSingleton<MediaUrlPolicy>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddHostedService<ConnectionMaintenance>();
    }
}
