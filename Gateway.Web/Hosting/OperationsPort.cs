using OrleansChat.Hosting.Operations;

namespace OrleansChat.Gateway.Hosting;

/// <summary>
/// The gateway's operations endpoints on a port of their own (<c>Health:Port</c>): Kestrel listens on it besides
/// <c>Urls</c>, and a request is served only where it belongs, by the port it arrived on (not by its Host header,
/// which a client chooses). So the ingress, which routes only the chat port, can never reach <c>/metrics</c>,
/// <c>/readyz</c> or <c>/dashboard</c>, and the chat is not served on the operations port.
/// </summary>
public static class OperationsPort
{
    private static readonly PathString[] OperationsPaths =
    [
        OperationsEndpoints.LivenessPath, OperationsEndpoints.ReadinessPath, OperationsEndpoints.MetricsPath, OperationsEndpoints.DashboardPath,
    ];

    /// <summary>Adds the operations port to Kestrel's addresses when <c>Health:Port</c> is set; returns it (null: none).</summary>
    public static int? ListenOnOperationsPort(this WebApplicationBuilder builder)
    {
        var port = HealthOptions.From(builder.Configuration).Port;
        if (port == 0)
        {
            throw new InvalidOperationException("Health:Port must name a port on the gateway (0 would hide where the probes and /metrics are)");
        }

        if (port is { } operations)
        {
            var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
            builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(urls) ? $"http://+:{operations}" : $"{urls};http://+:{operations}");
        }

        return port;
    }

    /// <summary>Answers 404 to an operations path off the operations port, and to anything else on it.</summary>
    public static WebApplication UseOperationsPort(this WebApplication app, int? port)
    {
        if (port is { } operations)
        {
            app.Use((context, next) =>
            {
                var onOperationsPort = context.Connection.LocalPort == operations;
                if (onOperationsPort != IsOperationsPath(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });
        }

        return app;
    }

    private static bool IsOperationsPath(PathString path) => OperationsPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));
}
