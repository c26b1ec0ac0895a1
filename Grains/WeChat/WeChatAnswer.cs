namespace OrleansChat.Grains.WeChat;

/// <summary>
/// How a call to WeChat's API ended: <see cref="ErrCode"/> is WeChat's own (0: success), or null when there was no
/// usable answer at all (unreachable, a timeout, an HTTP error, not JSON), which is always worth a retry.
/// </summary>
public sealed record WeChatAnswer(int? ErrCode, string Detail)
{
    /// <summary>errcode 40001: the access token is invalid or not the latest.</summary>
    public const int InvalidToken = 40001;

    /// <summary>errcode 42001: the access token expired.</summary>
    public const int ExpiredToken = 42001;

    /// <summary>errcode 43101: the user has no subscription for the template (refused, or spent).</summary>
    public const int NotSubscribed = 43101;

    /// <summary>errcode -1: WeChat is busy.</summary>
    public const int Busy = -1;

    public static readonly WeChatAnswer Ok = new(0, "");

    public bool Succeeded => ErrCode == 0;

    public bool IsTokenRefused => ErrCode is InvalidToken or ExpiredToken;

    public static WeChatAnswer NoAnswer(string detail) => new(null, detail);
}

/// <summary>A token fetch: the token, or the answer saying why there is none.</summary>
public sealed record WeChatTokenAnswer(WeChatAccessToken? Token, WeChatAnswer Answer);
