using System.Globalization;
using System.Text;
using OrleansChat.Grains.Notifications.WeChat;

namespace OrleansChat.Tests.Notifications;

/// <summary>Template values cut to WeChat's limits by what a reader sees as characters, never inside one.</summary>
public sealed class WeChatTemplateFieldsTests
{
    [Theory]
    [InlineData("短标题", "短标题")]
    [InlineData("一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十")] // exactly 20: kept
    [InlineData("一二三四五六七八九十一二三四五六七八九十一", "一二三四五六七八九十一二三四五六七八九…")] // 21: 19 and an ellipsis
    public void A_thing_is_at_most_20_characters_with_an_ellipsis_when_cut(string value, string expected)
    {
        var fitted = WeChatTemplateFields.Fit("thing", value);

        Assert.Equal(expected, fitted);
        Assert.True(new StringInfo(fitted).LengthInTextElements <= 20);
    }

    [Fact]
    public void Emoji_surrogate_pairs_and_joined_sequences_are_never_split()
    {
        var family = "👨‍👩‍👧‍👦"; // one text element of 11 UTF-16 units
        var flag = "🇨🇳"; // two regional indicators, one text element
        var value = string.Concat(Enumerable.Repeat(family + flag, 15));

        var fitted = WeChatTemplateFields.Fit("thing", value);

        Assert.Equal(string.Concat(Enumerable.Repeat(family + flag, 9)) + family + "…", fitted);
        _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetBytes(fitted); // no lone surrogate
    }

    [Fact]
    public void Combining_marks_stay_with_their_letter()
    {
        var accented = "e\u0301"; // é as e + combining acute accent
        var fitted = WeChatTemplateFields.Truncate(string.Concat(Enumerable.Repeat(accented, 8)), 5, ellipsis: false);

        Assert.Equal(string.Concat(Enumerable.Repeat(accented, 5)), fitted);
    }

    [Theory]
    [InlineData("name", "欧阳娜娜欧阳娜娜欧阳娜娜", "欧阳娜娜欧阳娜娜欧阳")] // Chinese: 10
    [InlineData("name", "Alexandra Konstantinova", "Alexandra Konstantin")] // Latin: 20
    [InlineData("phrase", "已读未回复消息", "已读未回复")]
    [InlineData("number", "12 new", "12")]
    [InlineData("number", "none", "0")]
    [InlineData("thing", "line one\nline\ttwo", "line one line two")]
    [InlineData("thing", "  \n ", "-")]
    public void Other_kinds_keep_to_their_own_limits(string kind, string value, string expected) =>
        Assert.Equal(expected, WeChatTemplateFields.Fit(kind, value));

    [Fact]
    public void Without_IncludeMessageText_no_message_text_is_rendered()
    {
        var options = new WeChatNotificationOptions
        {
            TemplateId = "t",
            Fields = new(StringComparer.OrdinalIgnoreCase) { ["title"] = "thing1", ["preview"] = "thing2", ["count"] = "number3" },
        };
        var notification = WeChatClusterFixture.Notification("u", preview: "the secret plan", count: 7);

        var data = WeChatTemplateFields.Render(notification, options);

        Assert.Equal("lobby", data["thing1"]);
        Assert.Equal("7", data["number3"]);
        Assert.DoesNotContain(data.Values, v => v.Contains("secret", StringComparison.Ordinal));
    }
}
