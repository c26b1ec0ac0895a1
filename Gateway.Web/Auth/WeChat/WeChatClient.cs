using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.WeChat;

namespace OrleansChat.Gateway.Auth.WeChat;

/// <summary>
/// WeChat's <c>code2session</c> API (typed HttpClient): exchanges the code a mini-program got from
/// <c>wx.login</c> for the user's openid. Never throws for WeChat's or the network's failures; it says which.
/// </summary>
public sealed partial class WeChatClient(HttpClient http, IOptions<WeChatOptions> options, ILogger<WeChatClient> logger)
{
    public async Task<WeChatSessionResult> Code2SessionAsync(string code, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var path = "sns/jscode2session?appid=" + Uri.EscapeDataString(o.AppId) + "&secret=" + Uri.EscapeDataString(o.Secret)
            + "&js_code=" + Uri.EscapeDataString(code) + "&grant_type=authorization_code";
        string body;
        try
        {
            using var response = await http.GetAsync(new Uri(o.BaseUrl, path), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(WeChatFailure.Unreachable, $"WeChat answered HTTP {(int)response.StatusCode}");
            }

            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(WeChatFailure.Timeout, $"WeChat did not answer within {o.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return Failed(WeChatFailure.Unreachable, "WeChat cannot be reached: " + e.Message);
        }

        return Parse(body);
    }

    private WeChatSessionResult Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Failed(WeChatFailure.Malformed, "WeChat's answer is not a JSON object");
            }

            if (root.TryGetProperty("errcode", out var errcode) && errcode.TryGetInt32(out var code) && code != 0)
            {
                var message = root.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "";
                return Failed(Classify(code), $"WeChat errcode {code}: {message}");
            }

            return root.TryGetProperty("openid", out var openId) && openId.ValueKind == JsonValueKind.String
                ? WeChatSessionResult.Success(openId.GetString()!)
                : Failed(WeChatFailure.Malformed, "WeChat's answer has no openid");
        }
        catch (JsonException)
        {
            return Failed(WeChatFailure.Malformed, "WeChat's answer is not JSON");
        }
    }

    private static WeChatFailure Classify(int errcode) => errcode switch
    {
        40029 => WeChatFailure.InvalidCode,
        45011 => WeChatFailure.RateLimited,
        40226 => WeChatFailure.RiskyUser,
        -1 => WeChatFailure.Busy,
        _ => WeChatFailure.Other,
    };

    private WeChatSessionResult Failed(WeChatFailure failure, string detail)
    {
        LogFailure(failure, detail);
        return WeChatSessionResult.Failed(failure, detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat login failed: {Failure} ({Detail})")]
    private partial void LogFailure(WeChatFailure failure, string detail);
}
