namespace OrleansChat.Gateway.Protocol;

/// <summary>Limits of protocol v1 content (section "Protocol").</summary>
public sealed class ProtocolOptions
{
    public const string Section = "Protocol";

    public int MaxJsonDepth { get; set; } = 16;

    public int MaxTextLength { get; set; } = 4000;

    public int MaxClientIdLength { get; set; } = 64;

    /// <summary>Most conversations one <c>sync</c> may name.</summary>
    public int MaxSyncConversations { get; set; } = 100;

    /// <summary>Largest <c>limit</c> of a <c>history</c> page and the page size of <c>sync</c>.</summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>Hosts media and avatar URLs may point at (<c>cdn.example.com</c>, <c>*.example.com</c>); empty: any host.</summary>
    public string[] MediaHosts { get; set; } = [];
}
