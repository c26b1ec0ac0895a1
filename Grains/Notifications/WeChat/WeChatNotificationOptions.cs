namespace OrleansChat.Grains.Notifications.WeChat;

/// <summary>
/// WeChat subscribe messages for offline users (section "Notifications:WeChat"). Off until <see cref="TemplateId"/>
/// is set; then <c>WeChat:AppId</c> and <c>WeChat:Secret</c> are required too. Gateways and silos both read it: the
/// gateway names the template in <c>welcome</c>, the silos send.
/// </summary>
public sealed class WeChatNotificationOptions
{
    public const string SectionName = "Notifications:WeChat";

    /// <summary>The subscribe-message template (from the mini-program's console) notifications are sent with; empty: off.</summary>
    public string TemplateId { get; set; } = "";

    /// <summary>
    /// The mini-program page a tap on the message opens (<c>pages/chat/chat</c>, no leading slash), given the
    /// conversation as <c>?conv=</c>. Empty: the message opens nothing.
    /// </summary>
    public string Page { get; set; } = "";

    /// <summary>
    /// Which notification field fills which template key: <c>title</c> (the conversation's name), <c>sender</c>,
    /// <c>count</c> (new messages), <c>time</c> (of the last one), <c>preview</c> (its text: only with
    /// <see cref="IncludeMessageText"/>), each to a key such as <c>thing1</c>, <c>name2</c>, <c>number3</c>,
    /// <c>time4</c>. Values are cut to the limits of the key's kind (<c>thing</c> 20 characters, <c>name</c> 10, ...).
    /// </summary>
    public Dictionary<string, string> Fields { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the message's text may leave for WeChat (the <c>preview</c> field). Off by default: a notification
    /// says who wrote and how many messages, not what.
    /// </summary>
    public bool IncludeMessageText { get; set; }

    /// <summary>Which build of the mini-program a tap opens: <c>formal</c>, <c>trial</c> or <c>developer</c>.</summary>
    public string MiniprogramState { get; set; } = "formal";

    /// <summary>The language of WeChat's "open the mini-program" link: <c>zh_CN</c>, <c>en_US</c>, <c>zh_HK</c> or <c>zh_TW</c>.</summary>
    public string Lang { get; set; } = "zh_CN";

    /// <summary>The most credits one user may hold per template (each <c>accept</c> adds one, each message spends one).</summary>
    public int MaxCredits { get; set; } = 20;

    /// <summary>The UTC offset the <c>time</c> field is written in (WeChat shows it as given): China Standard Time by default.</summary>
    public TimeSpan UtcOffset { get; set; } = TimeSpan.FromHours(8);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(TemplateId);

    /// <summary>The template ids a client should ask the user to subscribe to (<c>welcome.notify.templates</c>).</summary>
    public IReadOnlyList<string> Templates => IsConfigured ? [TemplateId] : [];
}
