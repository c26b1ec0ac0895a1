using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>One subscribe message the fake accepted.</summary>
public sealed record SentSubscribeMessage(string ToUser, string TemplateId, string? Page, IReadOnlyDictionary<string, string> Data, string? MiniprogramState);

/// <summary>
/// WeChat's <c>POST /cgi-bin/stable_token</c> and <c>POST /cgi-bin/message/subscribe/send</c>, with their rules as
/// far as OrleansChat relies on them: the stable token stays the same while valid (a forced fetch replaces it), a
/// send with another or an expired token gets 40001 / 42001, and template values over WeChat's limits get 47003
/// (so a test can tell a value cut to fit from one WeChat would refuse). Error codes are given on cue, per openid.
/// </summary>
public sealed partial class FakeWeChatServer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<int>> _cues = new(StringComparer.Ordinal);
    private readonly List<SentSubscribeMessage> _sent = [];
    private string? _token;
    private DateTimeOffset _tokenExpiresAt;
    private int _tokenNumber;
    private int? _refusal; // the errcode every send with the current token gets until a new token is issued
    private bool _renewRefusedToken = true;

    /// <summary>How long each token issued is valid (WeChat: 7200 s).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a token request takes, so concurrent askers overlap.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.Zero;

    public int TokenRequests { get; private set; }

    public int ForcedTokenRequests { get; private set; }

    /// <summary>How many tokens were issued (a normal-mode request while the token is valid issues none).</summary>
    public int TokensIssued => _tokenNumber;

    public IReadOnlyList<SentSubscribeMessage> Sent
    {
        get
        {
            lock (_lock)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>The next sends to <paramref name="openId"/> get these errcodes, one each, in order; then they succeed.</summary>
    public void Cue(string openId, params int[] errcodes)
    {
        lock (_lock)
        {
            if (!_cues.TryGetValue(openId, out var queue))
            {
                _cues[openId] = queue = new Queue<int>();
            }

            foreach (var errcode in errcodes)
            {
                queue.Enqueue(errcode);
            }
        }
    }

    /// <summary>
    /// From now on the current token is refused with <paramref name="errcode"/> (40001 or 42001). With
    /// <paramref name="renewOnRequest"/>, the next normal-mode token request issues a new one; without, only a
    /// forced request does (WeChat still handing out the token it refuses).
    /// </summary>
    public void RefuseCurrentToken(int errcode, bool renewOnRequest = true)
    {
        lock (_lock)
        {
            _refusal = errcode;
            _renewRefusedToken = renewOnRequest;
        }
    }

    private void MapSubscribeMessageApi(IEndpointRouteBuilder app)
    {
        app.MapPost("/cgi-bin/stable_token", AnswerTokenAsync);
        app.MapPost("/cgi-bin/message/subscribe/send", AnswerSendAsync);
    }

    private async Task AnswerTokenAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        if (Str(root, "appid") != AppId || Str(root, "secret") != Secret || Str(root, "grant_type") != "client_credential")
        {
            await context.Response.WriteAsync("""{"errcode":40013,"errmsg":"invalid appid"}""");
            return;
        }

        await Task.Delay(TokenDelay);
        var force = root.TryGetProperty("force_refresh", out var f) && f.ValueKind == JsonValueKind.True;
        string token;
        int seconds;
        lock (_lock)
        {
            TokenRequests++;
            ForcedTokenRequests += force ? 1 : 0;
            var now = DateTimeOffset.UtcNow;
            // WeChat renews a stable token in its last 5 minutes.
            var renew = _token is null || _tokenExpiresAt - now <= TimeSpan.FromMinutes(5) || (_refusal is not null && _renewRefusedToken);
            if (force || renew)
            {
                _token = "token-" + (++_tokenNumber).ToString(CultureInfo.InvariantCulture);
                _tokenExpiresAt = now + TokenLifetime;
                _refusal = null;
            }

            token = _token!;
            seconds = (int)Math.Ceiling((_tokenExpiresAt - now).TotalSeconds);
        }

        await context.Response.WriteAsync($$"""{"access_token":"{{token}}","expires_in":{{seconds}}}""");
    }

    private async Task AnswerSendAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var toUser = Str(root, "touser") ?? "";
        var errcode = CheckToken(context.Request.Query["access_token"].ToString()) ?? NextCue(toUser) ?? CheckData(root);
        if (errcode is null)
        {
            var data = root.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString()!, StringComparer.Ordinal);
            lock (_lock)
            {
                _sent.Add(new SentSubscribeMessage(toUser, Str(root, "template_id")!, Str(root, "page"), data, Str(root, "miniprogram_state")));
            }
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"errcode":{{errcode ?? 0}},"errmsg":"{{(errcode is null ? "ok" : "cued")}}"}""");
    }

    private int? CheckToken(string token)
    {
        lock (_lock)
        {
            return token != _token ? 40001 : _tokenExpiresAt <= DateTimeOffset.UtcNow ? 42001 : _refusal;
        }
    }

    private int? NextCue(string openId)
    {
        lock (_lock)
        {
            return _cues.TryGetValue(openId, out var queue) && queue.TryDequeue(out var errcode) ? errcode : null;
        }
    }

    /// <summary>47003 (invalid template data) for a value WeChat's documented limits refuse; 40037 without a template id.</summary>
    private static int? CheckData(JsonElement root)
    {
        if (string.IsNullOrEmpty(Str(root, "template_id")))
        {
            return 40037;
        }

        foreach (var entry in root.GetProperty("data").EnumerateObject())
        {
            var value = entry.Value.GetProperty("value").GetString() ?? "";
            var length = new StringInfo(value).LengthInTextElements;
            var fits = entry.Name.TrimEnd("0123456789".ToCharArray()) switch
            {
                "thing" => length is >= 1 and <= 20,
                "name" => length >= 1 && (value.All(c => c < 0x80) ? length <= 20 : length <= 10),
                "phrase" => length is >= 1 and <= 5,
                "number" => length is >= 1 and <= 32 && value.All(char.IsAsciiDigit),
                _ => length >= 1,
            };
            if (!fits)
            {
                return 47003;
            }
        }

        return null;
    }

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
