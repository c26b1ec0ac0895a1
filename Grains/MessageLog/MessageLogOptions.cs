namespace OrleansChat.Grains.MessageLog;

public enum MessageLogProvider
{
    /// <summary>In the silo's memory: the embedded default; messages are lost with the silo.</summary>
    InMemory,

    /// <summary>A MongoDB replica set (section <c>MessageLog:Mongo</c>).</summary>
    MongoDB,

    /// <summary>PostgreSQL, the <c>chat_messages</c> table <c>Silo migrate</c> creates (section <c>MessageLog:Postgres</c>).</summary>
    Postgres,
}

/// <summary>Which message log the silo writes (section "MessageLog"); each backend has its own sub-section.</summary>
public sealed class MessageLogOptions
{
    public const string SectionName = "MessageLog";

    /// <summary>The message log and the room members beside it: InMemory, MongoDB or Postgres.</summary>
    public MessageLogProvider Provider { get; set; } = MessageLogProvider.InMemory;
}
