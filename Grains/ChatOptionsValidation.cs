using Microsoft.Extensions.Options;

namespace OrleansChat.Grains;

/// <summary>Refuses <see cref="ChatOptions"/> that make no sense, when the silo starts rather than at the first join.</summary>
public sealed class ChatOptionsValidation : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options)
    {
        List<string> failures = [];
        if (options.AnnounceMaxMembers < 0)
        {
            failures.Add($"Chat:AnnounceMaxMembers must be 0 or more (0: every room coalesces its join and leave notices), not {options.AnnounceMaxMembers}");
        }

        if (options.MaxPageSize < 1)
        {
            failures.Add($"Chat:MaxPageSize must be at least 1, not {options.MaxPageSize}");
        }

        if (options.MaxMemberPageSize < 1)
        {
            failures.Add($"Chat:MaxMemberPageSize must be at least 1, not {options.MaxMemberPageSize}");
        }

        if (options.ConversationPageSize < 1)
        {
            failures.Add($"Chat:ConversationPageSize must be at least 1, not {options.ConversationPageSize}");
        }

        if (options.RecallWindow < TimeSpan.Zero)
        {
            failures.Add($"Chat:RecallWindow must not be negative (00:00:00: senders cannot recall), not {options.RecallWindow}");
        }

        if (options.SenderReadFlushInterval < TimeSpan.FromMilliseconds(100) || options.SenderReadFlushInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Chat:SenderReadFlushInterval must be 100 ms-10 min, not {options.SenderReadFlushInterval}");
        }

        if (options.ReceiptMaxMembers < 0)
        {
            failures.Add($"Chat:ReceiptMaxMembers must be 0 or more (0: no room sends read receipts), not {options.ReceiptMaxMembers}");
        }

        if (options.PresenceMaxMembers < 0)
        {
            failures.Add($"Chat:PresenceMaxMembers must be 0 or more (0: no room pushes presence), not {options.PresenceMaxMembers}");
        }

        if (options.RoomListPageSize < 1)
        {
            failures.Add($"Chat:RoomListPageSize must be at least 1, not {options.RoomListPageSize}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
