using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.WeChat;

namespace OrleansChat.Grains.Notifications.WeChat;

/// <summary>
/// Refuses a WeChat notification setup that could not send a single message, at start rather than at the first send.
/// The outbox's <c>Notifications:IncludePreview</c> is read from the configuration, not from bound options: a gateway
/// in Client mode validates this section too but binds no outbox options.
/// </summary>
public sealed class WeChatNotificationOptionsValidation(IOptions<WeChatOptions> wechat, IConfiguration? configuration = null)
    : IValidateOptions<WeChatNotificationOptions>
{
    private static readonly string[] MiniprogramStates = ["formal", "trial", "developer"];
    private static readonly string[] Langs = ["zh_CN", "en_US", "zh_HK", "zh_TW"];

    public ValidateOptionsResult Validate(string? name, WeChatNotificationOptions options)
    {
        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        List<string> failures = [];
        const string S = WeChatNotificationOptions.SectionName;
        if (!wechat.Value.IsConfigured)
        {
            failures.Add($"{S}:TemplateId is set but WeChat:AppId and WeChat:Secret are not: sending needs the mini-program's credentials");
        }

        if (options.TemplateId.Length > 128 || options.TemplateId.Any(char.IsWhiteSpace))
        {
            failures.Add($"{S}:TemplateId must be a template id from the mini-program's console (no spaces, at most 128 characters)");
        }

        if (options.Page.StartsWith('/') || options.Page.Length > 256)
        {
            failures.Add($"{S}:Page must be a mini-program page path without a leading '/' (pages/chat/chat), at most 256 characters");
        }

        failures.AddRange(FieldProblems(options));
        if (options.IncludeMessageText && configuration is not null && !OutboxKeepsText(configuration))
        {
            // Two switches, one meaning each: the outbox keeps text at all (every channel), WeChat may receive it.
            failures.Add($"{S}:IncludeMessageText needs {NotificationOptions.SectionName}:IncludePreview=true: without it the outbox keeps no message text to send");
        }

        if (!MiniprogramStates.Contains(options.MiniprogramState, StringComparer.Ordinal))
        {
            failures.Add($"{S}:MiniprogramState must be formal, trial or developer, not '{options.MiniprogramState}'");
        }

        if (!Langs.Contains(options.Lang, StringComparer.Ordinal))
        {
            failures.Add($"{S}:Lang must be zh_CN, en_US, zh_HK or zh_TW, not '{options.Lang}'");
        }

        if (options.MaxCredits is < 1 or > 1000)
        {
            failures.Add($"{S}:MaxCredits must be 1-1000, not {options.MaxCredits}");
        }

        if (options.UtcOffset.Duration() > TimeSpan.FromHours(14) || options.UtcOffset.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            failures.Add($"{S}:UtcOffset must be whole minutes within ±14:00, not {options.UtcOffset}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> FieldProblems(WeChatNotificationOptions options)
    {
        const string S = WeChatNotificationOptions.SectionName + ":Fields";
        if (options.Fields.Count == 0)
        {
            yield return $"{S} must map at least one notification field (title, sender, count, time, preview) to a template key (thing1, time2, ...)";
        }

        foreach (var (field, key) in options.Fields)
        {
            if (!WeChatTemplateFields.IsField(field))
            {
                yield return $"{S}:{field}: unknown field (use title, sender, count, time or preview)";
            }
            else if (!WeChatTemplateFields.TryParseKey(key, out var kind))
            {
                yield return $"{S}:{field}: '{key}' is not a template key (a kind such as thing, name, number, time, then its number: thing1)";
            }
            else if (WeChatTemplateFields.KindProblem(field, kind) is { } problem)
            {
                yield return $"{S}:{field}: {problem}";
            }
        }

        foreach (var twice in options.Fields.GroupBy(f => f.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"{S}: template key '{twice.Key}' is filled by more than one field ({string.Join(", ", twice.Select(f => f.Key))})";
        }

        if (options.Fields.ContainsKey(WeChatTemplateFields.Preview) && !options.IncludeMessageText)
        {
            yield return $"{S}:preview sends message text to WeChat: set {WeChatNotificationOptions.SectionName}:IncludeMessageText to true, or map another field";
        }
    }

    private static bool OutboxKeepsText(IConfiguration configuration) =>
        configuration.GetSection(NotificationOptions.SectionName).GetValue<bool>(nameof(NotificationOptions.IncludePreview));
}
