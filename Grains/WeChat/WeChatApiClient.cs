using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.WeChat;

/// <summary>
/// The server-side WeChat API calls the silos make (<c>WeChat:Timeout</c> per call): the stable access token and
/// <c>subscribeMessage.send</c>. Never throws for WeChat's or the network's failures; the answer says which. Tokens
/// are never logged. A singleton that takes a client from the factory for each call: grains hold it for as long as
/// they live, and a typed client kept that long would pin one connection handler (and its DNS answer) for good.
/// </summary>
public sealed partial class WeChatApiClient(IHttpClientFactory clients, IOptions<WeChatOptions> options, TimeProvider time, ILogger<WeChatApiClient> logger)
{
    /// <summary>The named HttpClient (its timeout is <c>WeChat:Timeout</c>).</summary>
    public const string HttpClientName = "wechat-api";

    /// <summary>
    /// <c>POST /cgi-bin/stable_token</c>: unlike <c>/cgi-bin/token</c>, asking again returns the same token while it
    /// is valid (WeChat renews it 5 minutes before its expiry), so a second asker never invalidates the first's token.
    /// <paramref name="forceRefresh"/> invalidates the current token at once; WeChat allows that 20 times a day, 30 s apart.
    /// </summary>
    public async Task<WeChatTokenAnswer> FetchStableTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var body = new JsonObject
        {
            ["grant_type"] = "client_credential",
            ["appid"] = o.AppId,
            ["secret"] = o.Secret,
            ["force_refresh"] = forceRefresh,
        };
        var asked = time.GetUtcNow();
        var (root, failure) = await PostAsync("cgi-bin/stable_token", body, cancellationToken);
        if (root is not { } answer)
        {
            return new WeChatTokenAnswer(null, failure!);
        }

        if (!answer.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String
            || !answer.TryGetProperty("expires_in", out var expiresIn) || !expiresIn.TryGetInt32(out var seconds) || seconds <= 0)
        {
            return new WeChatTokenAnswer(null, Failed(WeChatAnswer.NoAnswer("WeChat's token answer has no access_token or expires_in"), "stable_token"));
        }

        // Counted from when it was asked for, so the time the answer took is not counted as validity.
        return new WeChatTokenAnswer(new WeChatAccessToken(token.GetString()!, asked.AddSeconds(seconds)), WeChatAnswer.Ok);
    }

    /// <summary><c>POST /cgi-bin/message/subscribe/send</c> to <paramref name="openId"/>.</summary>
    public async Task<WeChatAnswer> SendSubscribeMessageAsync(string accessToken, string openId, WeChatSubscribeMessage message, CancellationToken cancellationToken)
    {
        var data = new JsonObject();
        foreach (var (key, value) in message.Data)
        {
            data[key] = new JsonObject { ["value"] = value };
        }

        var body = new JsonObject
        {
            ["touser"] = openId,
            ["template_id"] = message.TemplateId,
            ["data"] = data,
            ["miniprogram_state"] = message.MiniprogramState,
            ["lang"] = message.Lang,
        };
        if (!string.IsNullOrEmpty(message.Page))
        {
            body["page"] = message.Page;
        }

        var (root, failure) = await PostAsync("cgi-bin/message/subscribe/send?access_token=" + Uri.EscapeDataString(accessToken), body, cancellationToken);
        return root is null ? failure! : WeChatAnswer.Ok;
    }

    /// <summary>The answer's JSON object when its errcode is 0 or absent; else the failure (already logged).</summary>
    private async Task<(JsonElement? Root, WeChatAnswer? Failure)> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var call = path.Split('?')[0]; // never the query: it carries the token
        string text;
        try
        {
            var http = clients.CreateClient(HttpClientName);
            using var response = await http.PostAsJsonAsync(new Uri(o.BaseUrl, path), body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, Failed(WeChatAnswer.NoAnswer($"WeChat answered HTTP {(int)response.StatusCode}"), call));
            }

            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, Failed(WeChatAnswer.NoAnswer($"WeChat did not answer within {o.Timeout.TotalSeconds:0.#} s"), call));
        }
        catch (HttpRequestException e)
        {
            return (null, Failed(WeChatAnswer.NoAnswer("WeChat cannot be reached: " + e.Message), call));
        }

        return Parse(text, call);
    }

    private (JsonElement? Root, WeChatAnswer? Failure) Parse(string text, string call)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Failed(WeChatAnswer.NoAnswer("WeChat's answer is not a JSON object"), call));
            }

            if (root.TryGetProperty("errcode", out var errcode) && errcode.TryGetInt32(out var code) && code != 0)
            {
                var message = root.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
                return (null, Failed(new WeChatAnswer(code, $"WeChat errcode {code}: {message}"), call));
            }

            return (root.Clone(), null);
        }
        catch (JsonException)
        {
            return (null, Failed(WeChatAnswer.NoAnswer("WeChat's answer is not JSON"), call));
        }
    }

    private WeChatAnswer Failed(WeChatAnswer answer, string call)
    {
        // A refused token or an unsubscribed user is routine (the caller refreshes, or zeroes the credit).
        if (answer.IsTokenRefused || answer.ErrCode == WeChatAnswer.NotSubscribed)
        {
            LogRoutineFailure(call, answer.Detail);
        }
        else
        {
            LogFailure(call, answer.Detail);
        }

        return answer;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat {Call} failed: {Detail}")]
    private partial void LogFailure(string call, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WeChat {Call} answered: {Detail}")]
    private partial void LogRoutineFailure(string call, string detail);
}
