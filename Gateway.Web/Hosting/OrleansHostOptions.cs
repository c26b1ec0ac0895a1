namespace OrleansChat.Gateway.Hosting;

public enum GatewayMode
{
    /// <summary>The gateway co-hosts a silo: one process, nothing to install (the default).</summary>
    Embedded,

    /// <summary>The gateway is an Orleans client of separate Silo processes.</summary>
    Client,
}

/// <summary>How the gateway reaches the grains (section "Orleans", shared with the Silo host).</summary>
public sealed class OrleansHostOptions
{
    public const string Section = "Orleans";

    public GatewayMode Mode { get; set; } = GatewayMode.Embedded;

    public string ClusterId { get; set; } = "orleanschat";

    public string ServiceId { get; set; } = "orleanschat";

    /// <summary>Silo-to-silo port of the embedded silo.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port of the embedded silo, or of the localhost silo a Client-mode gateway connects to.</summary>
    public int GatewayPort { get; set; } = 30000;
}
