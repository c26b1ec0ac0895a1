using Microsoft.Extensions.Options;

namespace OrleansChat.Grains;

/// <summary>Refuses <see cref="ChatOptions"/> that make no sense, when the silo starts rather than at the first join.</summary>
public sealed class ChatOptionsValidation : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options) =>
        options.AnnounceMaxMembers < 0
            ? ValidateOptionsResult.Fail(
                $"Chat:AnnounceMaxMembers must be 0 or more (0: every room coalesces its join and leave notices), not {options.AnnounceMaxMembers}")
            : ValidateOptionsResult.Success;
}
