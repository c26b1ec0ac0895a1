using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Security;
using OrleansChat.Model;

namespace OrleansChat.Tests.Security;

/// <summary>RS256 tokens: key ids and rotation, expiry, refresh, and forgeries refused.</summary>
public sealed class TokenServiceTests
{
    private static readonly string OldPem = NewPem();
    private static readonly string NewKeyPem = NewPem();
    private static readonly UserProfile Alice = new("alice", "Alice", "https://cdn.example/a.png");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_token_carries_the_signing_key_id_and_validates_to_its_user()
    {
        var tokens = Service(("k-old", OldPem));

        var issued = tokens.Issue(Alice);

        Assert.Equal("k-old", Header(issued.Token).GetProperty("kid").GetString());
        Assert.Equal("RS256", Header(issued.Token).GetProperty("alg").GetString());
        Assert.Equal(Alice, (await tokens.ValidateAsync(issued.Token))?.User);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(12), issued.ExpiresAt);
    }

    [Fact]
    public async Task Rotation_keeps_old_tokens_valid_while_their_key_is_listed_and_refuses_them_once_removed()
    {
        var oldToken = Service(("k-old", OldPem)).Issue(Alice).Token;

        var rotated = Service(("k-new", NewKeyPem), ("k-old", OldPem));
        Assert.NotNull(await rotated.ValidateAsync(oldToken));
        var newToken = rotated.Issue(Alice).Token;
        Assert.Equal("k-new", Header(newToken).GetProperty("kid").GetString());

        var retired = Service(("k-new", NewKeyPem));
        Assert.Null(await retired.ValidateAsync(oldToken));
        Assert.NotNull(await retired.ValidateAsync(newToken));
    }

    [Fact]
    public async Task An_expired_token_is_refused_even_when_it_was_verified_before()
    {
        var tokens = Service(("k", OldPem));
        var token = tokens.Issue(Alice).Token;
        Assert.NotNull(await tokens.ValidateAsync(token));

        _time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromMinutes(1));
        Assert.NotNull(await tokens.ValidateAsync(token));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await tokens.ValidateAsync(token));
    }

    [Fact]
    public async Task Refresh_extends_a_login_until_the_maximum_session_age()
    {
        var tokens = Service(("k", OldPem));
        var identity = await tokens.ValidateAsync(tokens.Issue(Alice).Token);

        _time.Advance(TimeSpan.FromHours(11));
        var refreshed = tokens.Refresh(identity!);
        Assert.NotNull(refreshed);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(12), refreshed.ExpiresAt);
        var second = await tokens.ValidateAsync(refreshed.Token);
        Assert.Equal(identity!.AuthTime, second!.AuthTime);

        _time.Advance(TimeSpan.FromDays(31));
        Assert.Null(tokens.Refresh(second));
    }

    [Fact]
    public async Task Forged_tokens_are_refused()
    {
        var tokens = Service(("k", OldPem));
        var genuine = tokens.Issue(Alice).Token;
        var parts = genuine.Split('.');
        var payload = parts[1];

        var algNone = Base64Url("""{"alg":"none","typ":"JWT","kid":"k"}""") + "." + payload + ".";
        var byOtherKeySameKid = Service(("k", NewKeyPem)).Issue(Alice).Token;
        var claimsSwapped = parts[0] + "." + Base64Url(Encoding.UTF8.GetString(Base64UrlDecode(payload)).Replace("\"alice\"", "\"bob\"", StringComparison.Ordinal)) + "." + parts[2];
        var hmacWithPublicKey = HmacSigned(payload, PublicKeyBytes(OldPem));

        Assert.NotNull(await tokens.ValidateAsync(genuine)); // verified and remembered: the forgeries are not it
        Assert.Null(await tokens.ValidateAsync(algNone));
        Assert.Null(await tokens.ValidateAsync(byOtherKeySameKid));
        Assert.Null(await tokens.ValidateAsync(claimsSwapped));
        Assert.Null(await tokens.ValidateAsync(hmacWithPublicKey));
        Assert.Null(await tokens.ValidateAsync("not a token"));
        Assert.NotNull(await tokens.ValidateAsync(genuine));
    }

    [Fact]
    public void A_key_under_2048_bits_or_not_pem_is_a_clear_configuration_error()
    {
        using var small = RSA.Create(1024);
        var tooSmall = Assert.Throws<OptionsValidationException>(() => Service(("k", small.ExportPkcs8PrivateKeyPem())));
        Assert.Contains("2048", tooSmall.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => Service(("k", "-----BEGIN NONSENSE-----")));
    }

    private TokenService Service(params (string Id, string Pem)[] keys) => new(
        Options.Create(new AuthOptions { SigningKeys = [.. keys.Select(k => new RsaKeySettings { Id = k.Id, PrivateKeyPem = k.Pem })] }),
        _time,
        NullLogger<TokenService>.Instance);

    private static string NewPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKeyPem();
    }

    private static byte[] PublicKeyBytes(string pem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>The classic algorithm confusion: HS256 keyed with the server's public key.</summary>
    private static string HmacSigned(string payload, byte[] key)
    {
        var unsigned = Base64Url("""{"alg":"HS256","typ":"JWT","kid":"k"}""") + "." + payload;
        return unsigned + "." + System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(unsigned)));
    }

    private static JsonElement Header(string token) => JsonDocument.Parse(Base64UrlDecode(token.Split('.')[0])).RootElement;

    private static string Base64Url(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
