namespace OrleansChat.Model;

/// <summary>Who a user is, as every other user sees them. Set by the server from the login, never by a frame.</summary>
[GenerateSerializer, Immutable]
public sealed record UserProfile(string Id, string Name, string? AvatarUrl);
