namespace OrleansChat.Gateway.Auth.WeChat;

/// <summary>The WeChat mini-program this gateway logs users in for (section "WeChat").</summary>
public sealed class WeChatOptions
{
    public const string SectionName = "WeChat";

    /// <summary>Where WeChat's API lives; tests point it at a local stand-in.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>The mini-program's AppID. With <see cref="Secret"/> unset, <c>POST /api/auth/wechat</c> answers 403.</summary>
    public string AppId { get; set; } = "";

    /// <summary>The mini-program's AppSecret. Keep it out of files under version control (environment, secret store).</summary>
    public string Secret { get; set; } = "";

    /// <summary>How long a code2session call may take before the login fails with 504.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId) && !string.IsNullOrWhiteSpace(Secret);
}
