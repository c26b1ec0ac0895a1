using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansChat.Gateway.Security;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth;

public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt, UserProfile User);

/// <summary>Who a valid token names, and when that user originally logged in (refreshes keep it).</summary>
public sealed record TokenIdentity(UserProfile User, DateTimeOffset AuthTime);

/// <summary>
/// Issues and checks the RS256 tokens that carry a user's identity to the WebSocket upgrade. The first key of
/// <c>Auth:SigningKeys</c> signs (its id is the token's <c>kid</c>); all listed keys validate.
/// </summary>
public sealed class TokenService
{
    private const string NameClaim = "name";
    private const string AvatarClaim = "picture";
    private const string AuthTimeClaim = "auth_time";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly SigningCredentials _signing;
    private readonly TokenValidationParameters _validation;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly VerifiedTokenCache _verified;

    public TokenService(IOptions<AuthOptions> options, TimeProvider time, ILogger<TokenService> logger)
    {
        _options = options.Value;
        _time = time;
        _verified = new VerifiedTokenCache(_options.VerifiedTokenCacheSize);
        var keys = RsaKeySet.Load(_options.SigningKeys, "Auth:SigningKeys", logger)
            .Select(k => new RsaSecurityKey(k.Rsa) { KeyId = k.Id })
            .ToList();
        _signing = new SigningCredentials(keys[0], SecurityAlgorithms.RsaSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidateAudience = false,
            IssuerSigningKeys = keys,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,

            // Only RS256: "none", HS256 signed with the public key and every other algorithm are refused.
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires),
        };
    }

    /// <summary>The id of the key that signs new tokens.</summary>
    public string CurrentKeyId => _signing.Key.KeyId;

    public IssuedToken Issue(UserProfile user) => Issue(user, _time.GetUtcNow());

    /// <summary>A new token for the same login, or null once the login is older than <c>Auth:MaxSessionAge</c>.</summary>
    public IssuedToken? Refresh(TokenIdentity identity) =>
        _time.GetUtcNow() - identity.AuthTime > _options.MaxSessionAge ? null : Issue(identity.User, identity.AuthTime);

    /// <summary>The identity a token names, or null when it is malformed, forged, expired or signed by a key no longer listed.</summary>
    public Task<TokenIdentity?> ValidateAsync(string token) => ValidateAsync(token.AsMemory());

    /// <summary>As <see cref="ValidateAsync(string)"/>, for a token that is a slice of a request's string: copied only when it must be verified.</summary>
    public async Task<TokenIdentity?> ValidateAsync(ReadOnlyMemory<char> token)
    {
        if (token.IsEmpty)
        {
            return null;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        if (_verified.Find(token.Span, now) is { } known)
        {
            return known;
        }

        var text = token.ToString();
        var identity = await VerifyAsync(text);
        if (identity is not null)
        {
            _verified.Add(text, identity.Value.Identity, identity.Value.Expires + ClockSkew, now);
        }

        return identity?.Identity;
    }

    private async Task<(TokenIdentity Identity, DateTime Expires)?> VerifyAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        // Read from the payload, not result.ClaimsIdentity: that builds a Claim (and a property dictionary) per claim,
        // ~2 KB of garbage for every socket that connects.
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var id) || !ConversationId.IsValidName(id)
            || !jwt.TryGetPayloadValue<string>(NameClaim, out var name) || name is null
            || !jwt.TryGetPayloadValue<long>(AuthTimeClaim, out var authTime))
        {
            return null;
        }

        var avatar = jwt.TryGetPayloadValue<string>(AvatarClaim, out var picture) ? picture : null;
        return (new TokenIdentity(new UserProfile(id, name, avatar), DateTimeOffset.FromUnixTimeSeconds(authTime)), jwt.ValidTo);
    }

    private IssuedToken Issue(UserProfile user, DateTimeOffset authTime)
    {
        var now = _time.GetUtcNow();
        var expires = now + _options.TokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.Id,
            [NameClaim] = user.Name,
            [AuthTimeClaim] = authTime.ToUnixTimeSeconds(),
        };
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
            SigningCredentials = _signing,
        });
        return new IssuedToken(token, expires, user);
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } e && now < e + ClockSkew && (notBefore is not { } nb || now >= nb - ClockSkew);
    }
}
