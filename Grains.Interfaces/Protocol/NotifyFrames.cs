using OrleansChat.Model;

namespace OrleansChat.Protocol;

/// <summary>
/// <c>notify.credits</c>: what <c>wx.requestSubscribeMessage</c> answered on the user's tap, template id to
/// <c>accept</c> / <c>reject</c> / <c>ban</c> / <c>filter</c>. Each <c>accept</c> of a template the server offered
/// (<c>welcome.notify.templates</c>) allows it one notification while the user is offline.
/// </summary>
public sealed record NotifyCreditsCommand(IReadOnlyDictionary<string, SubscribeDecision> Results) : ClientFrame;

/// <summary>The answer to <c>notify.credits</c>: the notifications the user now allows, per offered template.</summary>
[GenerateSerializer, Immutable]
public sealed record NotifyCreditsReply(string? Re, IReadOnlyDictionary<string, int> Credits) : ServerFrame;

/// <summary><c>welcome.notify</c>, present when the server sends WeChat subscribe messages: the template ids to ask the user for.</summary>
[GenerateSerializer, Immutable]
public sealed record WelcomeNotify(IReadOnlyList<string> Templates);
