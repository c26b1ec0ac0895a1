namespace OrleansChat.Grains.Notifications.WeChat;

[GenerateSerializer, Alias("chat.WeChatSubscriberState")]
public sealed class WeChatSubscriberState
{
    /// <summary>The openid of the user's WeChat login; null for a user who never logged in through WeChat.</summary>
    [Id(0)]
    public string? OpenId { get; set; }

    /// <summary>Messages the user allowed, per template id.</summary>
    [Id(1)]
    public Dictionary<string, int> Credits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The ids of the last notifications sent, oldest first: a retry of one of them is not sent twice.</summary>
    [Id(2)]
    public List<string> RecentlySent { get; set; } = [];
}
