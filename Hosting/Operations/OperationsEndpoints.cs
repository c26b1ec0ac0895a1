using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace OrleansChat.Hosting.Operations;

/// <summary>
/// What an operator scrapes and probes, the same on the silo and the gateway: <c>/healthz</c> (the process
/// answers), <c>/readyz</c> (every check tagged <see cref="ReadyTag"/> passes), <c>/metrics</c> (Prometheus) and,
/// when switched on, <c>/dashboard</c>.
/// </summary>
public static class OperationsEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    /// <summary>Health checks with this tag decide readiness; liveness runs none (a live process answers).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Orleans' own meter: grain activations, messaging, membership.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>OpenTelemetry metrics (chat, Orleans, runtime, ASP.NET Core and <paramref name="meters"/>) with a Prometheus exporter, and health checks.</summary>
    public static IServiceCollection AddChatOperations(this IServiceCollection services, string serviceName, params string[] meters)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(ChatMetrics.MeterName, OrleansMeterName)
                .AddMeter(meters)
                .AddRuntimeInstrumentation()
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        services.AddHealthChecks();
        return services;
    }

    public static IEndpointRouteBuilder MapChatOperations(this IEndpointRouteBuilder endpoints, IConfiguration configuration)
    {
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        if (ChatDashboardOptions.IsEnabled(configuration))
        {
            endpoints.MapOrleansDashboard(DashboardPath);
        }

        return endpoints;
    }
}
