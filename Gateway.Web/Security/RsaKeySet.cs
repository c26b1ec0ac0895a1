using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Security;

/// <summary>A loaded RSA private key with its id.</summary>
public sealed record RsaKey(string Id, RSA Rsa);

/// <summary>
/// Loads the RSA keys of one setting. The first key is the current one (it signs or is published); the others
/// stay usable so that a rotation can keep two keys valid at once. With nothing configured it makes one
/// ephemeral key, which is fine for the single-process default and nothing else.
/// </summary>
public static partial class RsaKeySet
{
    public const int MinimumBits = 2048;

    public static IReadOnlyList<RsaKey> Load(IReadOnlyList<RsaKeySettings> configured, string settingName, ILogger logger)
    {
        if (configured.Count == 0)
        {
            LogEphemeralKey(logger, settingName);
            return [new RsaKey("ephemeral-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), RSA.Create(MinimumBits))];
        }

        var keys = configured.Select((k, i) => LoadOne(k, $"{settingName}:{i}")).ToList();
        var duplicate = keys.GroupBy(k => k.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? keys : throw Invalid($"{settingName}: key id '{duplicate.Key}' appears twice");
    }

    private static RsaKey LoadOne(RsaKeySettings settings, string path)
    {
        if (string.IsNullOrWhiteSpace(settings.Id))
        {
            throw Invalid($"{path}:Id is required");
        }

        var pem = !string.IsNullOrWhiteSpace(settings.PrivateKeyPem) ? settings.PrivateKeyPem
            : !string.IsNullOrWhiteSpace(settings.PemFile) ? ReadFile(settings.PemFile, path)
            : throw Invalid($"{path}: set PrivateKeyPem or PemFile");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw Invalid($"{path}: not an RSA private key in PEM form ({e.Message})");
        }

        if (rsa.KeySize < MinimumBits)
        {
            rsa.Dispose();
            throw Invalid($"{path}: the key has {rsa.KeySize} bits; at least {MinimumBits} are required");
        }

        return new RsaKey(settings.Id, rsa);
    }

    private static string ReadFile(string file, string path)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{path}:PemFile '{file}' cannot be read: {e.Message}");
        }
    }

    private static OptionsValidationException Invalid(string message) => new("RsaKeys", typeof(RsaKeySettings), [message]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is empty: using an ephemeral RSA key; it dies with this process and other gateways do not share it")]
    private static partial void LogEphemeralKey(ILogger logger, string setting);
}
