using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansChat.Grains;
using OrleansChat.Grains.WeChat;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth.WeChat;

public sealed record WeChatLoginRequest(string? Code = null, string? Name = null, string? AvatarUrl = null);

/// <summary>
/// Mini-program login: the <c>wx.login</c> code is exchanged with WeChat for the openid, which becomes the user
/// id. WeChat no longer hands out names, so the client may send the one the user chose. The openid is also recorded
/// in the user's <see cref="IWeChatSubscriberGrain"/>: it marks the user as one WeChat can notify (a user id from
/// another login is not an openid) and keeps working should user ids ever stop being openids.
/// </summary>
public sealed class WeChatLoginProvider(WeChatClient wechat, IOptions<WeChatOptions> options, IGrainFactory grains) : ILoginProvider
{
    public const string DefaultName = "WeChat user";
    private const int MaxCodeLength = 256;

    public string Route => "wechat";

    public async Task<LoginOutcome> LoginAsync(JsonElement body, CancellationToken cancellationToken)
    {
        if (!options.Value.IsConfigured)
        {
            return LoginRefused.Forbidden("WeChat login is not configured (WeChat:AppId, WeChat:Secret)");
        }

        var request = LoginBody.TryRead<WeChatLoginRequest>(body);
        if (request?.Code is not { Length: > 0 and <= MaxCodeLength } code)
        {
            return LoginRefused.BadRequest("expected a JSON body {\"code\", \"name\"?, \"avatarUrl\"?} with the wx.login code");
        }

        var session = await wechat.Code2SessionAsync(code, cancellationToken);
        if (session.Failure is { } failure)
        {
            return Refusal(failure, session.Detail);
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? DefaultName : request.Name;
        var problem = LoginValidation.CheckProfile(session.OpenId, "WeChat's openid", name, request.AvatarUrl, out var user);
        return problem is null ? await RecordOpenIdAsync(user!, session.OpenId!)
            : session.OpenId is not null && !ConversationId.IsValidName(session.OpenId) ? Refusal(WeChatFailure.Malformed, problem)
            : LoginRefused.BadRequest(problem);
    }

    /// <summary>A login whose openid could not be recorded is refused: the user would otherwise never be notified.</summary>
    private async Task<LoginOutcome> RecordOpenIdAsync(UserProfile user, string openId)
    {
        try
        {
            await grains.GetGrain<IWeChatSubscriberGrain>(user.Id).SetOpenId(openId);
            return new LoginSucceeded(user);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return new LoginRefused(StatusCodes.Status503ServiceUnavailable, ChatErrorCode.Unavailable, "the chat cluster cannot be reached: try again");
        }
    }

    private static LoginRefused Refusal(WeChatFailure failure, string detail) => failure switch
    {
        WeChatFailure.InvalidCode => LoginRefused.BadRequest("the login code is invalid, expired or already used: call wx.login again"),
        WeChatFailure.RateLimited => new(StatusCodes.Status429TooManyRequests, ChatErrorCode.RateLimited, "WeChat is rate-limiting logins for this user: try again later"),
        WeChatFailure.RiskyUser => LoginRefused.Forbidden("WeChat refuses this user (high-risk account)"),
        WeChatFailure.Timeout => new(StatusCodes.Status504GatewayTimeout, ChatErrorCode.Unavailable, "WeChat did not answer in time: try again"),
        WeChatFailure.Busy => new(StatusCodes.Status502BadGateway, ChatErrorCode.Unavailable, "WeChat is busy: try again"),
        _ => new(StatusCodes.Status502BadGateway, ChatErrorCode.Unavailable, "WeChat login failed: " + detail),
    };
}
