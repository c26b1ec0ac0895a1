using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth;

/// <summary>The rules every login provider applies to the profile it ends up with.</summary>
public static class LoginValidation
{
    private const int MaxNameLength = 64;

    /// <summary>Returns what is wrong with a profile, or null with the user it names.</summary>
    public static string? CheckProfile(string? id, string idField, string? name, string? avatarUrl, out UserProfile? user)
    {
        user = null;
        if (!ConversationId.IsValidName(id))
        {
            return $"{idField} must be 1-64 letters, digits, '_' or '-'";
        }

        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength)
        {
            return $"name must be 1-{MaxNameLength} characters";
        }

        if (!string.IsNullOrEmpty(avatarUrl) && !MediaUrl.IsAllowed(avatarUrl))
        {
            return "avatarUrl must be an absolute https URL";
        }

        user = new UserProfile(id, trimmed, string.IsNullOrEmpty(avatarUrl) ? null : avatarUrl);
        return null;
    }
}
