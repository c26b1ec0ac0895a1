using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// One subscribe message to send, rendered from a notification: <see cref="Data"/> maps the template's keys
/// (<c>thing1</c>, <c>time2</c>) to their values, already cut to WeChat's limits. <see cref="NotificationId"/> is the
/// outbox entry's stable id: a retry of a message already sent is not sent again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WeChatSubscribeMessage(
    string NotificationId,
    string TemplateId,
    string? Page,
    IReadOnlyDictionary<string, string> Data,
    string MiniprogramState,
    string Lang);

/// <summary>What became of a <see cref="IWeChatSubscriberGrain.Send"/>.</summary>
[GenerateSerializer]
public enum WeChatSendOutcome
{
    /// <summary>WeChat accepted it; one credit was spent.</summary>
    Sent,

    /// <summary>This notification id was sent before (a retry after a lost answer): nothing sent, nothing spent.</summary>
    AlreadySent,

    /// <summary>The user never logged in with WeChat: there is no openid to send to.</summary>
    NoOpenId,

    /// <summary>The user has no credit left for the template.</summary>
    NoCredit,

    /// <summary>WeChat says the user has no subscription (errcode 43101): the credit is now zero.</summary>
    Refused,

    /// <summary>A transient failure (WeChat busy or unreachable, a token it keeps refusing): try again later; nothing spent.</summary>
    RetryLater,

    /// <summary>WeChat refused the message itself (a bad template, data or page): a retry would fail the same way.</summary>
    Rejected,
}

/// <summary>
/// A user's WeChat subscribe-message side (key: user id): the openid their WeChat login vouched for, and a credit
/// count per template. Each <c>accept</c> the mini-program reports adds one credit (WeChat's one-time subscriptions:
/// one accept allows one message), each message sent spends one. Sends for one user go one at a time here, so two
/// notifications never spend the same credit.
/// </summary>
public interface IWeChatSubscriberGrain : IGrainWithStringKey
{
    /// <summary>The user logged in through WeChat with this openid (recorded at each login; written only when it changes).</summary>
    Task SetOpenId(string openId);

    /// <summary>
    /// What <c>wx.requestSubscribeMessage</c> answered, per template id: every <see cref="SubscribeDecision.Accept"/>
    /// of a configured template adds a credit (up to <c>Notifications:WeChat:MaxCredits</c>); other templates and
    /// answers change nothing. Returns the credits of every configured template.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> ReportSubscriptions(IReadOnlyDictionary<string, SubscribeDecision> results);

    Task<IReadOnlyDictionary<string, int>> GetCredits();

    /// <summary>Sends <paramref name="message"/> to the user's openid if they have a credit for its template.</summary>
    Task<WeChatSendOutcome> Send(WeChatSubscribeMessage message);
}
