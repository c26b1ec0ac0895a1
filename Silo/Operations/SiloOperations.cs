using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;

namespace OrleansChat.Silo.Operations;

/// <summary>The silo process's small web side: Kestrel on <c>Health:Port</c> for probes, metrics and the optional dashboard.</summary>
public static class SiloOperations
{
    public static WebApplicationBuilder AddSiloOperations(this WebApplicationBuilder builder, OrleansHostOptions orleans)
    {
        var health = builder.Configuration.GetSection(HealthOptions.SectionName).Get<HealthOptions>() ?? new HealthOptions();
        if (health.Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Health:Port must be 0-65535, not {health.Port}");
        }

        builder.WebHost.UseUrls($"http://+:{health.Port}");

        // Orleans leaves the cluster in StopAsync (it tells the others and hands its grains back): give it the time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = orleans.ShutdownTimeout);
        builder.Services.AddChatOperations("orleanschat-silo")
            .AddHealthChecks().AddCheck<SiloMembershipHealthCheck>("membership", tags: [OperationsEndpoints.ReadyTag]);
        return builder;
    }
}
