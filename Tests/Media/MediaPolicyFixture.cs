using System.Globalization;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Media;

/// <summary>
/// A gateway with every media policy on: bytes sealed with a message-log key, uploads of recalled messages purged at the
/// next sweep (retention zero), and a per-user budget of <see cref="Burst"/> uploads, then one a minute.
/// </summary>
public sealed class MediaPolicyFixture : IAsyncLifetime
{
    public const int Burst = 3;

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "orleanschat-media-policy-" + Guid.NewGuid().ToString("N"));

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Media:DataFolder"] = DataFolder,
        ["Media:EncryptAtRest"] = "true",
        ["MessageLog:Encryption:Keys:0:Id"] = "k1",
        ["MessageLog:Encryption:Keys:0:Base64Key"] = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray()),
        ["Media:RecalledRetention"] = "00:00:00",
        ["Media:UploadsPerMinute"] = "1",
        ["Media:UploadBurst"] = Burst.ToString(CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }
}
