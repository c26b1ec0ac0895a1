using OrleansChat.Grains.Hosting;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;


namespace OrleansChat.Gateway.Hosting;

/// <summary>Chooses how the gateway reaches the grains: by co-hosting a silo, or as a client of a cluster.</summary>
public static class OrleansHosting
{
    public static WebApplicationBuilder AddChatOrleans(this WebApplicationBuilder builder)
    {
        var options = OrleansHostOptions.From(builder.Configuration);
        switch (options.Mode)
        {
            case GatewayMode.Embedded:
                builder.UseOrleans(silo => silo.UseChatClustering(options).AddChatGrains(builder.Configuration).AddChatDashboard(builder.Configuration));
                break;
            case GatewayMode.Client:
                builder.UseOrleansClient(client => client.UseChatClustering(options).AddChatDashboard(builder.Configuration));
                break;
            default:
                throw new InvalidOperationException($"Cluster:Mode must be Embedded or Client, not {options.Mode}");
        }

        return builder;
    }
}
