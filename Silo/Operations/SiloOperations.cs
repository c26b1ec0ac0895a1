using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
        var port = HealthOptions.From(builder.Configuration).Port ?? HealthOptions.SiloDefaultPort;
        builder.WebHost.UseUrls($"http://+:{port}");

        // Orleans leaves the cluster in StopAsync (it tells the others and hands its grains back): give it the time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = orleans.ShutdownTimeout);
        builder.Services.AddChatOperations("orleanschat-silo")
            .AddHealthChecks().AddCheck<SiloMembershipHealthCheck>("membership", tags: [OperationsEndpoints.ReadyTag]);
        return builder;
    }
}
