using System.Text.Json;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Auth;

/// <summary>
/// One way to prove who you are, served at <c>POST /api/auth/{Route}</c>. The endpoint turns a success into a
/// token; the provider only establishes the user.
/// </summary>
public interface ILoginProvider
{
    /// <summary>The last path segment of the login endpoint (<c>login</c>, <c>wechat</c>).</summary>
    string Route { get; }

    Task<LoginOutcome> LoginAsync(JsonElement body, CancellationToken cancellationToken);
}

/// <summary>What a login attempt came to: a user, or an HTTP refusal.</summary>
public abstract record LoginOutcome;

public sealed record LoginSucceeded(UserProfile User) : LoginOutcome;

public sealed record LoginRefused(int Status, ChatErrorCode Code, string Message) : LoginOutcome
{
    public static LoginRefused BadRequest(string message) => new(StatusCodes.Status400BadRequest, ChatErrorCode.BadRequest, message);

    public static LoginRefused Forbidden(string message) => new(StatusCodes.Status403Forbidden, ChatErrorCode.Forbidden, message);
}
