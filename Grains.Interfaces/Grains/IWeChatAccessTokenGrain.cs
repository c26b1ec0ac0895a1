namespace OrleansChat.Grains;

/// <summary>A WeChat API access token and when WeChat stops accepting it.</summary>
[GenerateSerializer, Immutable]
public sealed record WeChatAccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>
/// The one holder of the mini-program's access token in the cluster (key: the AppID). WeChat hands out a token per
/// app, not per process, so every silo asks this grain; it is not reentrant, so two silos never fetch at once and a
/// caller that arrives during a fetch gets its result. Null: WeChat could not be asked just now (retry later).
/// </summary>
public interface IWeChatAccessTokenGrain : IGrainWithStringKey
{
    /// <summary>The cached token, fetched first when there is none or it is within 5 minutes of its expiry.</summary>
    Task<WeChatAccessToken?> GetToken();

    /// <summary>
    /// WeChat refused <paramref name="rejected"/> (errcode 40001 or 42001): a fresh token, fetched only if the cached
    /// one is still <paramref name="rejected"/> (so a burst of refusals costs one fetch, not one each).
    /// </summary>
    Task<WeChatAccessToken?> Refresh(string rejected);
}
