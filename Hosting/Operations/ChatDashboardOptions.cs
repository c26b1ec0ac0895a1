using Microsoft.Extensions.Configuration;

namespace OrleansChat.Hosting.Operations;

/// <summary>The Orleans Dashboard switch (section "Dashboard"); named apart from Orleans' own DashboardOptions.</summary>
public sealed class ChatDashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Serve the Orleans Dashboard at /dashboard. Off by default: it shows grain and silo internals, so expose it only inside the cluster.</summary>
    public bool Enabled { get; set; }

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<ChatDashboardOptions>()?.Enabled ?? false;
}
