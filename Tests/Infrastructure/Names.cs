using OrleansChat.Model;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>Fresh ids per test, so tests sharing one cluster never see each other's grains.</summary>
public static class Names
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static UserProfile User(string prefix = "u") => NewProfile(New(prefix));

    public static UserProfile NewProfile(string id) => new(id, "Name of " + id, null);
}
