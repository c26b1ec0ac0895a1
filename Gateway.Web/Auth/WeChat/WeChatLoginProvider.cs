using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth.WeChat;

public sealed record WeChatLoginRequest(string? Code = null, string? Name = null, string? AvatarUrl = null);

/// <summary>
/// Mini-program login: the <c>wx.login</c> code is exchanged with WeChat for the openid, which becomes the user
/// id. WeChat no longer hands out names, so the client may send the one the user chose.
/// </summary>
public sealed class WeChatLoginProvider(WeChatClient wechat, IOptions<WeChatOptions> options) : ILoginProvider
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
        return problem is null ? new LoginSucceeded(user!)
            : session.OpenId is not null && !ConversationId.IsValidName(session.OpenId) ? Refusal(WeChatFailure.Malformed, problem)
            : LoginRefused.BadRequest(problem);
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
