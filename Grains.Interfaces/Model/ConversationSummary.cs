namespace OrleansChat.Model;

/// <summary>Whether a conversation is a group room or a private chat; the wire spells it <c>room</c> / <c>dm</c>.</summary>
[GenerateSerializer]
public enum ConversationKind
{
    Room,
    Dm,
}

/// <summary>
/// The last message of a conversation as a conversation list shows it: the body's kind, at most
/// <see cref="MaxTextLength"/> characters of its text (none for media), sender, time and seq.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MessagePreview(string Kind, string? Text, UserProfile From, long Ts, long Seq)
{
    public const int MaxTextLength = 60;

    public static MessagePreview Of(ChatMessage message) => message.Body switch
    {
        TextBody t => new("text", Shorten(t.Text), message.From, message.Ts, message.Seq),
        ImageBody => new("image", null, message.From, message.Ts, message.Seq),
        AudioBody => new("audio", null, message.From, message.Ts, message.Seq),
        RecallBody => new("recall", null, message.From, message.Ts, message.Seq),
        RecalledBody => new("recalled", null, message.From, message.Ts, message.Seq),
        _ => new("unknown", null, message.From, message.Ts, message.Seq),
    };

    /// <summary>Cut at <see cref="MaxTextLength"/> UTF-16 units, never between the two halves of a surrogate pair.</summary>
    private static string Shorten(string text)
    {
        if (text.Length <= MaxTextLength)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
        return text[..cut];
    }
}

/// <summary>
/// One conversation as one of its users sees it, from the conversation's own summary (never a scan of the log):
/// the title (room name or the peer's name), the last message, and the user's read seq and unread count; for a
/// private chat, whether the peer is online.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConversationSummary(
    string Conv,
    ConversationKind Kind,
    string Title,
    UserProfile? Peer,
    MessagePreview? Last,
    long LastSeq,
    long ReadSeq,
    long Unread,
    bool? PeerOnline = null);
