namespace OrleansChat.Model;

/// <summary>
/// What <c>wx.requestSubscribeMessage</c> answered for one template, as the mini-program reports it in
/// <c>notify.credits</c> (snake_case on the wire: <c>accept</c>, <c>reject</c>, <c>ban</c>, <c>filter</c>).
/// </summary>
[GenerateSerializer]
public enum SubscribeDecision
{
    /// <summary>The user allowed one message with this template.</summary>
    Accept,

    /// <summary>The user declined this time.</summary>
    Reject,

    /// <summary>WeChat banned the template.</summary>
    Ban,

    /// <summary>WeChat filtered the template out (another template of the request has the same title).</summary>
    Filter,
}
