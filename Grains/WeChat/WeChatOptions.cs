namespace OrleansChat.Grains.WeChat;

/// <summary>
/// The WeChat mini-program this deployment serves (section "WeChat"): gateways log its users in with it
/// (code2session) and silos send its subscribe messages with it (access token, subscribeMessage.send), so both
/// hosts bind this one class.
/// </summary>
public sealed class WeChatOptions
{
    public const string SectionName = "WeChat";

    /// <summary>Where WeChat's API lives; tests point it at a local stand-in.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>The mini-program's AppID. With <see cref="Secret"/> unset, <c>POST /api/auth/wechat</c> answers 403.</summary>
    public string AppId { get; set; } = "";

    /// <summary>The mini-program's AppSecret. Keep it out of files under version control (environment, secret store).</summary>
    public string Secret { get; set; } = "";

    /// <summary>How long one call to WeChat's API may take: a slower code2session fails the login with 504, a slower send is retried later.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId) && !string.IsNullOrWhiteSpace(Secret);
}
