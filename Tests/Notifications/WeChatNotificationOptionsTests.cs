using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Grains.WeChat;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>A WeChat notification setup that could not send is refused at start, each mistake with a message naming the setting.</summary>
public sealed class WeChatNotificationOptionsTests
{
    private static readonly WeChatOptions App = new() { AppId = "wx1", Secret = "s" };

    private static WeChatNotificationOptions Valid() => new()
    {
        TemplateId = "tmpl",
        Page = "pages/chat/chat",
        Fields = new(StringComparer.OrdinalIgnoreCase) { ["title"] = "thing1", ["sender"] = "name2", ["count"] = "number3", ["time"] = "time4" },
    };

    private static ValidateOptionsResult Validate(WeChatNotificationOptions options, WeChatOptions? app = null) =>
        new WeChatNotificationOptionsValidation(Options.Create(app ?? App)).Validate(null, options);

    [Fact]
    public void Message_text_for_WeChat_needs_the_outbox_to_keep_text()
    {
        var options = Valid();
        options.IncludeMessageText = true;
        options.Fields["preview"] = "thing5";
        IConfiguration Config(string includePreview) =>
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Notifications:IncludePreview"] = includePreview }).Build();

        var refused = new WeChatNotificationOptionsValidation(Options.Create(App), Config("false")).Validate(null, options);
        Assert.True(refused.Failed);
        Assert.Contains("Notifications:IncludePreview", refused.FailureMessage, StringComparison.Ordinal);
        Assert.True(new WeChatNotificationOptionsValidation(Options.Create(App), Config("true")).Validate(null, options).Succeeded);
    }

    [Fact]
    public void Unconfigured_is_valid_and_a_complete_setup_is_valid()
    {
        Assert.True(Validate(new WeChatNotificationOptions(), new WeChatOptions()).Succeeded);
        Assert.True(Validate(Valid()).Succeeded);
    }

    public static TheoryData<string, string> Mistakes => new()
    {
        { "no credentials", "WeChat:AppId" },
        { "no fields", "at least one" },
        { "unknown field", "Fields:subject" },
        { "not a key", "'title1'" },
        { "count into a time", "Fields:count" },
        { "text into a number", "Fields:sender" },
        { "one key twice", "'thing1'" },
        { "preview without consent", "IncludeMessageText" },
        { "page with a slash", "Page" },
        { "state", "MiniprogramState" },
        { "lang", "Lang" },
        { "credits", "MaxCredits" },
        { "offset", "UtcOffset" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Each_mistake_is_refused_with_a_message_naming_it(string mistake, string named)
    {
        var options = Valid();
        var app = App;
        switch (mistake)
        {
            case "no credentials": app = new WeChatOptions(); break;
            case "no fields": options.Fields.Clear(); break;
            case "unknown field": options.Fields["subject"] = "thing9"; break;
            case "not a key": options.Fields["title"] = "title1"; break;
            case "count into a time": options.Fields["count"] = "time5"; break;
            case "text into a number": options.Fields["sender"] = "number5"; break;
            case "one key twice": options.Fields["sender"] = "thing1"; break;
            case "preview without consent": options.Fields["preview"] = "thing5"; break;
            case "page with a slash": options.Page = "/pages/chat/chat"; break;
            case "state": options.MiniprogramState = "release"; break;
            case "lang": options.Lang = "fr_FR"; break;
            case "credits": options.MaxCredits = 0; break;
            case "offset": options.UtcOffset = TimeSpan.FromHours(15); break;
        }

        var result = Validate(options, app);

        Assert.True(result.Failed, mistake);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_channel_is_registered_only_when_a_template_is_configured()
    {
        static Type?[] Channels(Dictionary<string, string?> settings)
        {
            var services = new ServiceCollection();
            services.AddWeChatSubscribeMessages(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            return [.. services.Where(d => d.ServiceType == typeof(IUserNotificationChannel)).Select(d => d.ImplementationType)];
        }

        Assert.Empty(Channels([]));
        Assert.Equal([typeof(WeChatSubscribeChannel)], Channels(WeChatClusterFixture.Settings(new Uri("http://127.0.0.1:1/"))));
    }

    [Fact]
    public async Task A_gateway_with_a_bad_setup_does_not_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayServer.StartAsync(new Dictionary<string, string?>
        {
            ["Notifications:WeChat:TemplateId"] = "tmpl",
            ["Notifications:WeChat:Fields:title"] = "thing1",
        }));

        Assert.Contains("WeChat:AppId", error.Message, StringComparison.Ordinal);
    }
}
