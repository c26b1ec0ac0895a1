namespace OrleansChat.Gateway.Auth.WeChat;

/// <summary>Why a code2session exchange failed.</summary>
public enum WeChatFailure
{
    /// <summary>errcode 40029: the code is invalid, expired or already used.</summary>
    InvalidCode,

    /// <summary>errcode 45011: WeChat rate-limits this user's logins.</summary>
    RateLimited,

    /// <summary>errcode 40226: WeChat blocks this high-risk user.</summary>
    RiskyUser,

    /// <summary>errcode -1: WeChat is busy.</summary>
    Busy,

    /// <summary>Any other errcode (a wrong AppId or Secret, say).</summary>
    Other,

    /// <summary>No usable HTTP answer: connection refused, reset, or a non-2xx status.</summary>
    Unreachable,

    /// <summary>No answer within <c>WeChat:Timeout</c>.</summary>
    Timeout,

    /// <summary>An answer that is not the JSON code2session returns.</summary>
    Malformed,
}

/// <summary>The openid WeChat vouches for, or why there is none.</summary>
public sealed record WeChatSessionResult(string? OpenId, WeChatFailure? Failure, string Detail)
{
    public static WeChatSessionResult Success(string openId) => new(openId, null, "");

    public static WeChatSessionResult Failed(WeChatFailure failure, string detail) => new(null, failure, detail);
}
