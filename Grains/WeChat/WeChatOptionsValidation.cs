using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.WeChat;

public sealed class WeChatOptionsValidation : IValidateOptions<WeChatOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatOptions options) =>
        options.BaseUrl.IsAbsoluteUri && options.Timeout > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("WeChat: BaseUrl absolute, Timeout > 0");
}
