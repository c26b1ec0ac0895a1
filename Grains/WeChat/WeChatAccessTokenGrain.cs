using Microsoft.Extensions.Logging;

namespace OrleansChat.Grains.WeChat;

/// <summary>
/// Holds the app's access token in memory (a reactivated grain simply asks again: the stable token endpoint returns
/// the token still valid). One activation in the cluster and not reentrant: fetches happen one at a time.
/// </summary>
public sealed partial class WeChatAccessTokenGrain(WeChatApiClient wechat, TimeProvider time, ILogger<WeChatAccessTokenGrain> logger)
    : Grain, IWeChatAccessTokenGrain
{
    /// <summary>WeChat renews a stable token 5 minutes before it expires; a token that close to its end is fetched again.</summary>
    internal static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    /// <summary>After a failed fetch, callers get null at once for this long instead of each waiting for WeChat in turn.</summary>
    internal static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(5);

    /// <summary>WeChat's minimum interval between two forced refreshes.</summary>
    private static readonly TimeSpan ForceRefreshInterval = TimeSpan.FromSeconds(30);

    private WeChatAccessToken? _token;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;
    private DateTimeOffset _lastForced = DateTimeOffset.MinValue;

    public async Task<WeChatAccessToken?> GetToken()
    {
        if (_token is { } token && token.ExpiresAt - time.GetUtcNow() > RefreshBefore)
        {
            return token;
        }

        return await FetchAsync(forceRefresh: false);
    }

    public async Task<WeChatAccessToken?> Refresh(string rejected)
    {
        if (_token is { } current && current.Value != rejected && current.ExpiresAt > time.GetUtcNow())
        {
            return current; // another caller's refresh already replaced it
        }

        // The normal mode first: WeChat may simply have renewed the token already. Only if it hands back the very
        // token it refused is the token forced (which WeChat rations).
        var fresh = await FetchAsync(forceRefresh: false);
        if (fresh is null || fresh.Value != rejected)
        {
            return fresh;
        }

        if (time.GetUtcNow() - _lastForced < ForceRefreshInterval)
        {
            return null;
        }

        _lastForced = time.GetUtcNow();
        LogForcedRefresh();
        return await FetchAsync(forceRefresh: true);
    }

    private async Task<WeChatAccessToken?> FetchAsync(bool forceRefresh)
    {
        if (time.GetUtcNow() - _lastFailure < FailureBackoff)
        {
            return null;
        }

        var answer = await wechat.FetchStableTokenAsync(forceRefresh, CancellationToken.None);
        if (answer.Token is null)
        {
            _lastFailure = time.GetUtcNow();
            return null;
        }

        _token = answer.Token;
        return _token;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat keeps refusing its own current access token: forcing a new one (WeChat allows 20 a day)")]
    private partial void LogForcedRefresh();
}
