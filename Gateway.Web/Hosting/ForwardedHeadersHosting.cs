using Microsoft.AspNetCore.HttpOverrides;

namespace OrleansChat.Gateway.Hosting;

/// <summary>ASP.NET Core's forwarded-headers middleware, trusting exactly the configured proxies (<see cref="ForwardedHeadersSettings"/>).</summary>
public static class ForwardedHeadersHosting
{
    /// <summary>Reads and checks the settings while the host is built, so a bad address fails the start.</summary>
    public static ForwardedHeadersSettings ReadForwardedHeaders(this IConfiguration configuration)
    {
        var settings = configuration.GetSection(ForwardedHeadersSettings.SectionName).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
        if (settings.ForwardLimit < 1)
        {
            throw new InvalidOperationException($"ForwardedHeaders:ForwardLimit must be at least 1, not {settings.ForwardLimit}");
        }

        _ = settings.ParsedProxies().Count() + settings.ParsedNetworks().Count();
        return settings;
    }

    /// <summary>
    /// First in the pipeline: everything after it (the per-address socket cap, request logs) sees the forwarded client
    /// address. Not added at all when no proxy is trusted.
    /// </summary>
    public static WebApplication UseChatForwardedHeaders(this WebApplication app, ForwardedHeadersSettings settings)
    {
        if (!settings.Enabled)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = settings.ForwardLimit,
        };

        // The defaults trust loopback; only what is configured is trusted here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.ParsedProxies())
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in settings.ParsedNetworks())
        {
            options.KnownIPNetworks.Add(network);
        }

        app.UseForwardedHeaders(options);
        return app;
    }
}
