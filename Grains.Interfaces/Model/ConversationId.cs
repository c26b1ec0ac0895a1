using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OrleansChat.Model;

/// <summary>
/// Conversation ids on the wire and in the log: <c>room:NAME</c> and <c>dm:A:B</c> with the two user ids in
/// ordinal order, so both users name a private conversation the same way.
/// </summary>
public static partial class ConversationId
{
    public const string RoomPrefix = "room:";
    public const string DmPrefix = "dm:";

    /// <summary>User ids and room names: letters, digits, '_' and '-', 1 to 64 characters (':' is our separator).</summary>
    [GeneratedRegex(@"^[\p{L}\p{N}_\-]{1,64}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName([NotNullWhen(true)] string? name) => name is not null && NamePattern().IsMatch(name);

    public static string ForRoom(string room) => RoomPrefix + room;

    public static string ForDm(string userA, string userB) => DmPrefix + DmKey(userA, userB);

    /// <summary>The <see cref="Grains.IPrivateChatGrain"/> key of the two users: their ids in ordinal order.</summary>
    public static string DmKey(string userA, string userB) =>
        string.CompareOrdinal(userA, userB) <= 0 ? $"{userA}:{userB}" : $"{userB}:{userA}";

    public static bool TryParseRoom(string conv, [NotNullWhen(true)] out string? room)
    {
        room = conv.StartsWith(RoomPrefix, StringComparison.Ordinal) ? conv[RoomPrefix.Length..] : null;
        return IsValidName(room);
    }

    public static bool TryParseDm(string conv, [NotNullWhen(true)] out string? userA, [NotNullWhen(true)] out string? userB)
    {
        userA = userB = null;
        if (!conv.StartsWith(DmPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = conv[DmPrefix.Length..].Split(':');
        if (parts.Length != 2 || !IsValidName(parts[0]) || !IsValidName(parts[1]) || string.CompareOrdinal(parts[0], parts[1]) >= 0)
        {
            return false;
        }

        (userA, userB) = (parts[0], parts[1]);
        return true;
    }
}
