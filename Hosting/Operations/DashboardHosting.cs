using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;

namespace OrleansChat.Hosting.Operations;

/// <summary>Adds the Orleans Dashboard's collectors when <c>Dashboard:Enabled</c> is on (the endpoint is mapped by <see cref="OperationsEndpoints"/>).</summary>
public static class DashboardHosting
{
    public static ISiloBuilder AddChatDashboard(this ISiloBuilder silo, IConfiguration configuration) =>
        ChatDashboardOptions.IsEnabled(configuration) ? silo.AddDashboard() : silo;

    public static IClientBuilder AddChatDashboard(this IClientBuilder client, IConfiguration configuration) =>
        ChatDashboardOptions.IsEnabled(configuration) ? client.AddDashboard() : client;
}
