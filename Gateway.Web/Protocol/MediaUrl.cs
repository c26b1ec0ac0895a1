namespace OrleansChat.Gateway;

/// <summary>Media and avatar URLs: absolute https only, so a message can never carry a script or a local file.</summary>
public static class MediaUrl
{
    public const int MaxLength = 2048;

    public static bool IsAllowed(string url) =>
        url.Length <= MaxLength
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && !string.IsNullOrEmpty(uri.Host);
}
