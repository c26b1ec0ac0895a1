using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth;

public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt, UserProfile User);

/// <summary>Issues and checks the signed, expiring tokens that carry a user's identity to the WebSocket upgrade.</summary>
public sealed partial class TokenService
{
    private const string NameClaim = "name";
    private const string AvatarClaim = "picture";

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenService(IOptions<AuthOptions> options, TimeProvider time, ILogger<TokenService> logger)
    {
        _options = options.Value;
        _time = time;
        _key = new SymmetricSecurityKey(LoadKey(_options.SigningKey, logger));
    }

    public IssuedToken Issue(UserProfile user)
    {
        var now = _time.GetUtcNow();
        var expires = now + _options.TokenLifetime;
        var claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = user.Id, [NameClaim] = user.Name };
        if (user.AvatarUrl is not null)
        {
            claims[AvatarClaim] = user.AvatarUrl;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return new IssuedToken(token, expires, user);
    }

    /// <summary>The user a token names, or null when it is malformed, forged, expired or not ours.</summary>
    public async Task<UserProfile?> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidateAudience = false,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires),
        });
        if (!result.IsValid)
        {
            return null;
        }

        var identity = result.ClaimsIdentity;
        var id = identity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value ?? identity.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var name = identity.FindFirst(NameClaim)?.Value;
        return ConversationId.IsValidName(id) && name is not null
            ? new UserProfile(id, name, identity.FindFirst(AvatarClaim)?.Value)
            : null;
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var skew = TimeSpan.FromSeconds(30);
        return expires is { } e && now < e + skew && (notBefore is not { } nb || now >= nb - skew);
    }

    private static byte[] LoadKey(string configured, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            LogRandomKey(logger);
            return RandomNumberGenerator.GetBytes(32);
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(configured);
        }
        catch (FormatException e)
        {
            throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), ["Auth:SigningKey must be base64: " + e.Message]);
        }

        return key.Length >= 32
            ? key
            : throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), ["Auth:SigningKey must be at least 32 bytes"]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:SigningKey is not set: using a random key; tokens will not survive a restart or work across gateways")]
    private static partial void LogRandomKey(ILogger logger);
}
