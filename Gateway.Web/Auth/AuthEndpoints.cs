using System.Text.Json;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Auth;

/// <summary>
/// The body of every refused HTTP request. <c>retryAfterMs</c> repeats <c>Retry-After</c> where there is one, for
/// clients that cannot read response headers (a mini-program's <c>wx.uploadFile</c>).
/// </summary>
public sealed record HttpError(ChatErrorCode Code, string Message, long? RetryAfterMs = null);

/// <summary>
/// HTTP endpoints that hand out tokens: <c>POST /api/auth/{provider}</c> for each <see cref="ILoginProvider"/>
/// and <c>POST /api/auth/refresh</c>. Thin: the providers establish the user, <see cref="TokenService"/> signs.
/// </summary>
public static class AuthEndpoints
{
    private const int MaxBodyDepth = 4;

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/auth/refresh", RefreshAsync);
        endpoints.MapPost("/api/auth/{provider}", LoginAsync);
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(string provider, HttpRequest request, IEnumerable<ILoginProvider> providers, TokenService tokens, MediaUrlPolicy media)
    {
        var login = providers.FirstOrDefault(p => string.Equals(p.Route, provider, StringComparison.Ordinal));
        if (login is null)
        {
            return Error(StatusCodes.Status404NotFound, ChatErrorCode.NotFound, $"no login provider \"{provider}\"");
        }

        using var body = await ReadBodyAsync(request);
        if (body is null)
        {
            return Error(StatusCodes.Status400BadRequest, ChatErrorCode.BadRequest, "expected a JSON object body");
        }

        return await login.LoginAsync(body.RootElement, request.HttpContext.RequestAborted) switch
        {
            LoginSucceeded { User.AvatarUrl: { } avatar } when media.Problem(avatar, "avatarUrl") is { } problem =>
                Error(StatusCodes.Status400BadRequest, ChatErrorCode.BadRequest, problem), // Protocol:MediaHosts
            LoginSucceeded ok => Results.Json(tokens.Issue(ok.User), ProtocolJson.Options),
            LoginRefused no => Error(no.Status, no.Code, no.Message),
            var other => throw new InvalidOperationException($"unknown login outcome {other.GetType().Name}"),
        };
    }

    /// <summary>A valid, unexpired token in <c>Authorization: Bearer</c> buys a fresh one for the same login.</summary>
    private static async Task<IResult> RefreshAsync(HttpRequest request, TokenService tokens)
    {
        var token = BearerToken.FromAuthorizationHeader(request);
        var identity = token is null ? null : await tokens.ValidateAsync(token);
        if (identity is null)
        {
            return Error(StatusCodes.Status401Unauthorized, ChatErrorCode.Unauthorized, "a valid, unexpired token in Authorization: Bearer is required");
        }

        var fresh = tokens.Refresh(identity);
        return fresh is null
            ? Error(StatusCodes.Status401Unauthorized, ChatErrorCode.Unauthorized, "this login is too old to refresh (Auth:MaxSessionAge): log in again")
            : Results.Json(fresh, ProtocolJson.Options);
    }

    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = MaxBodyDepth }, request.HttpContext.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult Error(int status, ChatErrorCode code, string message) =>
        Results.Json(new HttpError(code, message), ProtocolJson.Options, statusCode: status);
}
