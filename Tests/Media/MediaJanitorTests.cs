using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Media;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Tests.Media;

/// <summary>The janitor over a real disk store, on a fake clock: abandoned uploads after the orphan age, recalled ones after their retention.</summary>
public sealed class MediaJanitorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orleanschat-media-janitor-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));

    [Fact]
    public async Task A_recalled_upload_is_purged_after_its_retention_and_a_shared_one_never()
    {
        var store = new DiskMediaStore(_folder);
        var options = new MediaOptions { RecalledRetention = TimeSpan.FromDays(3), OrphanAge = TimeSpan.FromDays(1) };
        var janitor = new MediaJanitor(store, Options.Create(options), _time, NullLogger<MediaJanitor>.Instance);
        var recalled = await SaveAsync(store, "recalled");
        var shared = await SaveAsync(store, "shared");
        await store.RecordShareAsync(recalled, "room:lobby", 1);
        await store.RecordShareAsync(shared, "room:lobby", 2);
        await store.ReleaseAsync(recalled, "room:lobby", 1, _time.GetUtcNow());

        _time.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await janitor.SweepAsync(CancellationToken.None));
        Assert.NotNull(await store.FindAsync(recalled));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await janitor.SweepAsync(CancellationToken.None));
        Assert.Null(await store.FindAsync(recalled));
        Assert.NotNull(await store.FindAsync(shared));
    }

    [Fact]
    public async Task An_abandoned_upload_is_collected_after_the_orphan_age()
    {
        var store = new DiskMediaStore(_folder);
        var janitor = new MediaJanitor(store, Options.Create(new MediaOptions { OrphanAge = TimeSpan.FromDays(1) }), _time, NullLogger<MediaJanitor>.Instance);
        var abandoned = await SaveAsync(store, "abandoned");

        Assert.Equal(0, await janitor.SweepAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await janitor.SweepAsync(CancellationToken.None));
        Assert.Null(await store.FindAsync(abandoned));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task<string> SaveAsync(DiskMediaStore store, string hash)
    {
        var media = new StoredMedia(MediaIds.For("alice", hash), "alice", MediaKind.Audio, "audio/mp4", 3, hash, _time.GetUtcNow(), DurationMs: 100);
        await store.SaveAsync(media, new MemoryStream([1, 2, 3]), null);
        return media.MediaId;
    }
}
