namespace OrleansChat.Hosting.Operations;

/// <summary>
/// The operations port (section "Health"): where <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> (and <c>/dashboard</c>)
/// are served. Silo: its only HTTP listener (default <see cref="SiloDefaultPort"/>). Gateway: unset, they are served
/// on <c>Urls</c> beside the chat; set, on this port only (a second Kestrel endpoint the ingress does not route).
/// </summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>The silo's operations port when none is configured.</summary>
    public const int SiloDefaultPort = 8080;

    /// <summary>Port of the operations endpoints; 0 picks a free port; unset: see the class summary.</summary>
    public int? Port { get; set; }

    /// <summary>Reads the section and checks the port's range, naming the setting when it is wrong.</summary>
    public static HealthOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var options = new HealthOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(SectionName), options);
        if (options.Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Health:Port must be 0-65535, not {options.Port}");
        }

        return options;
    }
}
