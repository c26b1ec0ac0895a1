using OrleansChat.Grains.Hosting;

namespace OrleansChat.Gateway.Hosting;

/// <summary>Chooses how the gateway reaches the grains: by co-hosting a silo, or as a client of a cluster.</summary>
public static class OrleansHosting
{
    public static WebApplicationBuilder AddChatOrleans(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(OrleansHostOptions.Section).Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        switch (options.Mode)
        {
            case GatewayMode.Embedded:
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                    silo.AddChatGrains(builder.Configuration);
                });
                break;
            case GatewayMode.Client:
                builder.UseOrleansClient(client =>
                    client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId));
                break;
            default:
                throw new InvalidOperationException($"Orleans:Mode must be Embedded or Client, not {options.Mode}");
        }

        return builder;
    }
}
