using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansChat.Grains.Notifications.WeChat;

/// <summary>
/// Fills a subscribe-message template from a notification, within what WeChat accepts for each kind of key
/// (its documented limits: <c>thing</c> 20 characters, <c>name</c> 10 Chinese or 20 Latin characters, <c>phrase</c>
/// 5, <c>number</c> 32 digits, <c>character_string</c> and <c>letter</c> 32, <c>symbol</c> 5, <c>phone_number</c>
/// 17, <c>car_number</c> 8). A value over its limit makes WeChat refuse the whole message (errcode 47003), so values
/// are cut here, by text elements (what a reader sees as one character: a Chinese character, an emoji with its
/// modifiers, a letter with its accents), never inside a surrogate pair or a combining sequence.
/// </summary>
public static partial class WeChatTemplateFields
{
    public const string Title = "title";
    public const string Sender = "sender";
    public const string Count = "count";
    public const string Time = "time";
    public const string Preview = "preview";

    private static readonly string[] Fields = [Title, Sender, Count, Time, Preview];

    /// <summary>The most text elements a value of each kind may have; kinds not listed have a format instead of a length.</summary>
    private static readonly Dictionary<string, int> MaxLengths = new(StringComparer.Ordinal)
    {
        ["thing"] = 20,
        ["name"] = 10, // 20 when the name is Latin letters and symbols only
        ["phrase"] = 5,
        ["number"] = 32,
        ["letter"] = 32,
        ["character_string"] = 32,
        ["symbol"] = 5,
        ["phone_number"] = 17,
        ["car_number"] = 8,
        ["time"] = 32,
        ["date"] = 32,
        ["amount"] = 11,
    };

    private const string Ellipsis = "…";

    public static bool IsField(string field) => Fields.Contains(field, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads a template key (<c>thing1</c>) into its kind (<c>thing</c>).</summary>
    public static bool TryParseKey(string key, out string kind)
    {
        var match = KeyPattern().Match(key);
        kind = match.Success ? match.Groups[1].Value : "";
        return match.Success && MaxLengths.ContainsKey(kind);
    }

    /// <summary>Why <paramref name="field"/> cannot fill a key of <paramref name="kind"/>, or null when it can.</summary>
    public static string? KindProblem(string field, string kind) => (field.ToLowerInvariant(), kind) switch
    {
        (Count, "number" or "thing" or "character_string" or "phrase") => null,
        (Count, _) => $"a count fills a number (or thing, character_string, phrase) key, not {kind}",
        (Time, "time" or "date" or "thing" or "character_string") => null,
        (Time, _) => $"a time fills a time or date (or thing, character_string) key, not {kind}",
        (_, "thing" or "name" or "phrase" or "character_string" or "letter") => null,
        _ => $"text fills a thing, name, phrase, character_string or letter key, not {kind}",
    };

    /// <summary>The template data for <paramref name="notification"/>: each mapped key with its value, cut to fit.</summary>
    public static Dictionary<string, string> Render(UserNotification notification, WeChatNotificationOptions options)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, key) in options.Fields)
        {
            // Validation refused unknown kinds at start; one that slipped through is cut like a thing.
            var kind = TryParseKey(key, out var parsed) ? parsed : "thing";
            data[key] = Fit(kind, ValueOf(field, notification, options));
        }

        return data;
    }

    private static string ValueOf(string field, UserNotification n, WeChatNotificationOptions options) => field.ToLowerInvariant() switch
    {
        Title => n.Title,
        Sender => n.SenderName,
        Count => n.Count.ToString(CultureInfo.InvariantCulture),
        Time => n.LastAt.ToOffset(options.UtcOffset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        Preview => options.IncludeMessageText ? n.Preview ?? "" : "",
        _ => "",
    };

    /// <summary>Cuts <paramref name="value"/> to what a key of <paramref name="kind"/> accepts.</summary>
    public static string Fit(string kind, string value)
    {
        var text = OneLine(value);
        var max = MaxLengths.GetValueOrDefault(kind, 20);
        text = kind switch
        {
            "number" => new string([.. text.Where(char.IsAsciiDigit)]),
            "name" when text.All(c => c < 0x80) => Truncate(text, 2 * max, ellipsis: false),
            "thing" => Truncate(text, max, ellipsis: true),
            _ => Truncate(text, max, ellipsis: false),
        };

        // WeChat refuses an empty value as well as a long one.
        return text.Length > 0 ? text : kind == "number" ? "0" : "-";
    }

    /// <summary>At most <paramref name="max"/> text elements; with <paramref name="ellipsis"/>, a cut value ends in "…" (counted).</summary>
    public static string Truncate(string text, int max, bool ellipsis)
    {
        var elements = StringInfo.GetTextElementEnumerator(text);
        var count = 0;
        var cutAt = -1; // where the text is cut if it turns out too long
        var keep = ellipsis ? max - 1 : max;
        while (elements.MoveNext())
        {
            if (count == keep)
            {
                cutAt = elements.ElementIndex;
            }

            if (++count > max)
            {
                return text[..cutAt].TrimEnd() + (ellipsis ? Ellipsis : "");
            }
        }

        return text;
    }

    /// <summary>Line breaks and other control characters become spaces; runs of spaces become one.</summary>
    private static string OneLine(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            var space = char.IsControl(c) || char.IsWhiteSpace(c);
            if (!space)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }

        return builder.ToString().Trim();
    }

    [GeneratedRegex("^([a-z_]+?)([1-9][0-9]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
