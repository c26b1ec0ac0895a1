using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>A gateway with optional session encryption and WeChat login against a local stand-in for WeChat's API.</summary>
public sealed class SecureGatewayFixture : IAsyncLifetime
{
    // Long enough that a loaded CI machine does not turn a quick WeChat failure (502) into a timeout (504).
    public static readonly TimeSpan WeChatTimeout = TimeSpan.FromSeconds(3);

    public FakeWeChatServer WeChat { get; private set; } = null!;

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        WeChat = await FakeWeChatServer.StartAsync();
        Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
        {
            ["Security:Encryption"] = "Optional",
            ["WeChat:BaseUrl"] = WeChat.BaseUri.ToString(),
            ["WeChat:AppId"] = FakeWeChatServer.AppId,
            ["WeChat:Secret"] = FakeWeChatServer.Secret,
            ["WeChat:Timeout"] = WeChatTimeout.ToString(),
            ["MessageLog:Encryption:Keys:0:Id"] = "log-k1",
            ["MessageLog:Encryption:Keys:0:Base64Key"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 3 + 5)).ToArray()),
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await WeChat.DisposeAsync();
    }
}

/// <summary>A gateway that accepts encrypted sessions only.</summary>
public sealed class RequiredEncryptionFixture : IAsyncLifetime
{
    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Security:Encryption"] = "Required",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SecureGatewayGroup : ICollectionFixture<SecureGatewayFixture>
{
    public const string Name = "gateway-secure";
}

[CollectionDefinition(Name)]
public sealed class RequiredEncryptionGroup : ICollectionFixture<RequiredEncryptionFixture>
{
    public const string Name = "gateway-encryption-required";
}
