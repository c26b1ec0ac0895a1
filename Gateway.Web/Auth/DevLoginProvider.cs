using System.Text.Json;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Auth;

public sealed record DevLoginRequest(string? OpenId = null, string? Name = null, string? AvatarUrl = null);

/// <summary>The development login: trusts the <c>openId</c> it is given. Refused unless <c>Auth:DevLoginEnabled</c>.</summary>
public sealed class DevLoginProvider(IOptions<AuthOptions> options) : ILoginProvider
{
    public string Route => "login";

    public Task<LoginOutcome> LoginAsync(JsonElement body, CancellationToken cancellationToken)
    {
        if (!options.Value.DevLoginEnabled)
        {
            return Task.FromResult<LoginOutcome>(LoginRefused.Forbidden("the development login is disabled"));
        }

        var request = LoginBody.TryRead<DevLoginRequest>(body);
        if (request is null)
        {
            return Task.FromResult<LoginOutcome>(LoginRefused.BadRequest("expected a JSON body {\"openId\",\"name\",\"avatarUrl\"}"));
        }

        var problem = LoginValidation.CheckProfile(request.OpenId, "openId", request.Name, request.AvatarUrl, out var user);
        return Task.FromResult<LoginOutcome>(problem is null ? new LoginSucceeded(user!) : LoginRefused.BadRequest(problem));
    }
}
