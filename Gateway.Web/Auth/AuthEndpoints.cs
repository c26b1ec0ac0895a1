using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Auth;

public sealed record DevLoginRequest(string? OpenId, string? Name, string? AvatarUrl);

public sealed record HttpError(ChatErrorCode Code, string Message);

/// <summary>HTTP endpoints that hand out tokens. Thin: checks in <see cref="LoginValidation"/>, tokens in <see cref="TokenService"/>.</summary>
public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/auth/login", DevLogin);
        return endpoints;
    }

    private static IResult DevLogin(DevLoginRequest? request, IOptions<AuthOptions> options, TokenService tokens, MediaUrlPolicy media)
    {
        if (!options.Value.DevLoginEnabled)
        {
            return Results.Json(new HttpError(ChatErrorCode.Forbidden, "the development login is disabled"), ProtocolJson.Options, statusCode: StatusCodes.Status403Forbidden);
        }

        var problem = LoginValidation.Check(request, out var user) ?? (user!.AvatarUrl is { } avatar ? media.Problem(avatar, "avatarUrl") : null);
        return problem is null
            ? Results.Json(tokens.Issue(user!), ProtocolJson.Options)
            : Results.Json(new HttpError(ChatErrorCode.BadRequest, problem), ProtocolJson.Options, statusCode: StatusCodes.Status400BadRequest);
    }
}

public static class LoginValidation
{
    private const int MaxNameLength = 64;

    /// <summary>Returns what is wrong with a login request, or null with the user it names.</summary>
    public static string? Check(DevLoginRequest? request, out UserProfile? user)
    {
        user = null;
        if (request is null)
        {
            return "expected a JSON body {\"openId\",\"name\",\"avatarUrl\"}";
        }

        if (!ConversationId.IsValidName(request.OpenId))
        {
            return "openId must be 1-64 letters, digits, '_' or '-'";
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return $"name must be 1-{MaxNameLength} characters";
        }

        if (!string.IsNullOrEmpty(request.AvatarUrl) && !MediaUrl.IsAllowed(request.AvatarUrl))
        {
            return "avatarUrl must be an absolute https URL";
        }

        user = new UserProfile(request.OpenId, name, string.IsNullOrEmpty(request.AvatarUrl) ? null : request.AvatarUrl);
        return null;
    }
}
