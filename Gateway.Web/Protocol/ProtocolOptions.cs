namespace OrleansChat.Gateway.Protocol;

/// <summary>Limits of protocol v1 content (section "Protocol").</summary>
public sealed class ProtocolOptions
{
    public const string SectionName = "Protocol";

    /// <summary>JSON nesting accepted in a frame (4-64); deeper is refused before anything is parsed into objects.</summary>
    public int MaxJsonDepth { get; set; } = 16;

    /// <summary>Characters in a text body; longer is <c>too_large</c>.</summary>
    public int MaxTextLength { get; set; } = 4000;

    /// <summary>Characters in a frame's client <c>id</c> (the idempotency key of a send); longer is <c>bad_request</c>.</summary>
    public int MaxClientIdLength { get; set; } = 64;

    /// <summary>Most conversations one <c>sync</c> may name.</summary>
    public int MaxSyncConversations { get; set; } = 100;

    /// <summary>
    /// Sends of one connection that may commit at once (1-1024): the reader goes on reading while they do, and stops
    /// reading the socket while this many are unanswered. 1 answers each send before the next frame is read.
    /// </summary>
    public int MaxSendsInFlight { get; set; } = 32;

    /// <summary>
    /// How long a send waits for its conversation's answer (1 s-5 min). Past it the send, and those queued behind it,
    /// are answered <c>internal</c> (retry with the same id; it may have been stored, and the retry then gets its seq),
    /// and the conversation's next sends go on. Without it a call caught by a silo's death waits out Orleans'
    /// response timeout (10 s in the prod overlay, 30 s by default) and holds every send of that conversation behind it.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Hosts media and avatar URLs may point at (<c>cdn.example.com</c>, <c>*.example.com</c>); empty: any host.</summary>
    public string[] MediaHosts { get; set; } = [];
}
