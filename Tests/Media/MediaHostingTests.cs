using Npgsql;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.Storage;

namespace OrleansChat.Tests.Media;

/// <summary>Media:Provider wiring: the PostgreSQL store of a gateway whose log is PostgreSQL, and options refused at start.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class MediaHostingTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_gateway_with_the_postgres_store_keeps_uploads_in_the_chat_database()
    {
        var connectionString = await StorageTestDatabase.NewMigratedAsync(postgres, "media_hosting");
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string?>
        {
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = connectionString,
            ["Media:Provider"] = "Postgres",
        });
        var token = await server.LoginAsync(GatewayServer.UniqueName("alice"));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(MediaSamples.Png(64, 32)), "file", "a.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/media") { Content = form };
        request.Headers.Authorization = new("Bearer", token);

        using var response = await server.Http.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM chat_media WHERE width = 64 AND height = 32");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("Media:MaxImageBytes", "10", "Media:MaxImageBytes")]
    [InlineData("Media:UrlSigningKeys:0:Id", "k1", "Secret of 'k1'")]
    [InlineData("Media:Provider", "Postgres", "needs MessageLog:Provider Postgres")]
    [InlineData("Media:EncryptAtRest", "true", "needs MessageLog:Encryption:Keys")]
    [InlineData("Media:UploadBurst", "0", "Media:UploadBurst")]
    [InlineData("Media:RecalledRetention", "-00:00:01", "Media:RecalledRetention")]
    public async Task Bad_media_settings_stop_the_gateway_at_start(string key, string value, string expected)
    {
        var error = await Record.ExceptionAsync(async () => await (await GatewayServer.StartAsync(new Dictionary<string, string?> { [key] = value })).DisposeAsync());

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
