using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Media;

/// <summary>
/// Short-lived signed media URLs: <c>/api/media/{id}?exp={unix s}&amp;kid={key id}&amp;sig={HMAC-SHA256}</c>, for clients that
/// cannot send an Authorization header (a mini-program's &lt;image&gt; and InnerAudioContext, a browser's &lt;img&gt;).
/// The signature covers the id and the expiry, not the variant: the same query string also opens <c>/thumb</c>. The
/// first key of <c>Media:UrlSigningKeys</c> signs; every listed key verifies, so keys rotate like the token keys.
/// Whoever holds a URL can fetch until it expires: it is handed out only to someone allowed to read the media, and is
/// re-signed whenever history or sync hands the message out again.
/// </summary>
public sealed partial class MediaUrlSigner
{
    public const string PathPrefix = "/api/media/";

    private readonly (string Id, byte[] Secret)[] _keys;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public MediaUrlSigner(IOptions<MediaOptions> options, TimeProvider time, ILogger<MediaUrlSigner> logger)
    {
        _time = time;
        _lifetime = options.Value.SignedUrlLifetime;
        _keys = [.. options.Value.UrlSigningKeys.Select(k => (k.Id, Convert.FromBase64String(k.Secret)))];
        if (_keys.Length == 0)
        {
            LogEphemeralKey(logger);
            _keys = [("ephemeral-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), RandomNumberGenerator.GetBytes(32))];
        }
    }

    /// <summary>A fresh signed URL of the original; the thumbnail is the same URL with <c>/thumb</c> after the id.</summary>
    public string Sign(string mediaId)
    {
        var expires = (_time.GetUtcNow() + _lifetime).ToUnixTimeSeconds();
        var (id, secret) = _keys[0];
        return $"{PathPrefix}{mediaId}?exp={expires}&kid={id}&sig={Signature(secret, mediaId, expires)}";
    }

    public static string ThumbnailOf(string signedUrl)
    {
        var query = signedUrl.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? signedUrl + "/thumb" : signedUrl[..query] + "/thumb" + signedUrl[query..];
    }

    /// <summary>The media id a URL this server signed points at, or null for any other URL (an external link).</summary>
    public static string? MediaIdOf(string? url)
    {
        if (url is null || !url.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = url.AsSpan(PathPrefix.Length);
        var end = rest.IndexOfAny('?', '/');
        var id = (end < 0 ? rest : rest[..end]).ToString();
        return Storage.MediaIds.IsWellFormed(id) ? id : null;
    }

    /// <summary>True when the query's signature is one of ours, for this id, and not expired.</summary>
    public bool IsValid(string mediaId, string? expires, string? keyId, string? signature)
    {
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var exp) || signature is null
            || exp < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var key = Array.Find(_keys, k => string.Equals(k.Id, keyId, StringComparison.Ordinal));
        return key.Secret is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Signature(key.Secret, mediaId, exp)), Encoding.ASCII.GetBytes(signature));
    }

    private static string Signature(byte[] secret, string mediaId, long expires) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{mediaId}\n{expires}")));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media:UrlSigningKeys is empty: signing media URLs with an ephemeral key; URLs will not verify on another gateway or after a restart")]
    private static partial void LogEphemeralKey(ILogger logger);
}
