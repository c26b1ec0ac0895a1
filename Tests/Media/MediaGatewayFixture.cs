using System.Net.Http.Headers;
using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Media;

/// <summary>A gateway whose media lives in a folder of its own, signed with a key the tests know (to forge expired URLs).</summary>
public sealed class MediaGatewayFixture : IAsyncLifetime
{
    public static readonly string SigningSecret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "orleanschat-media-e2e-" + Guid.NewGuid().ToString("N"));

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Media:DataFolder"] = DataFolder,
        ["Media:UrlSigningKeys:0:Id"] = "k1",
        ["Media:UrlSigningKeys:0:Secret"] = SigningSecret,
    });

    /// <summary>How many items the store holds (the scratch folder aside).</summary>
    public int StoredItems() => Directory.Exists(DataFolder)
        ? Directory.EnumerateDirectories(DataFolder).Where(d => Path.GetFileName(d) != ".incoming").Sum(d => Directory.EnumerateDirectories(d).Count())
        : 0;

    public async Task<HttpResponseMessage> UploadAsync(string token, byte[] content, string fileName, string? partType = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        if (partType is not null)
        {
            file.Headers.ContentType = new MediaTypeHeaderValue(partType);
        }

        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Server.Http.SendAsync(request);
    }

    public async Task<JsonElement> UploadOkAsync(string token, byte[] content, string fileName)
    {
        using var response = await UploadAsync(token, content, fileName);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> GetAsync(string url, string? token = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        configure?.Invoke(request);
        return await Server.Http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MediaGatewayGroup : ICollectionFixture<MediaGatewayFixture>
{
    public const string Name = "gateway-media";
}
