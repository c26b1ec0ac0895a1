using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media ids: 22 base64url characters (128 bits) of SHA-256 over (uploader, content hash). Derived rather than random
/// so that the same uploader sending the same bytes again lands on the same id (the dedupe), while two users sending the
/// same bytes get different ids (no cross-user probing of who has which file).
/// </summary>
public static class MediaIds
{
    public const int Length = 22;

    public static string For(string ownerId, string contentHash)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{ownerId}\n{contentHash}"));
        return Base64Url.EncodeToString(digest.AsSpan(0, 16));
    }

    /// <summary>True for the shape of an id this server hands out; anything else is refused before it reaches a store.</summary>
    public static bool IsWellFormed(string? mediaId) =>
        mediaId is { Length: Length } && mediaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
