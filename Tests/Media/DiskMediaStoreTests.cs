using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Tests.Media;

/// <summary>The conformance suite against a folder of its own, deleted afterwards.</summary>
public sealed class DiskMediaStoreTests : MediaStoreConformanceTests, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orleanschat-media-" + Guid.NewGuid().ToString("N"));

    protected override Task<IMediaStore> CreateStoreAsync() => Task.FromResult<IMediaStore>(new DiskMediaStore(_folder));

    [Fact]
    public async Task Nothing_is_left_in_the_scratch_folder_after_a_save()
    {
        var store = new DiskMediaStore(_folder);
        var media = new StoredMedia(MediaIds.For("alice", "abc"), "alice", MediaKind.Audio, "audio/mp4", 3, "abc", DateTimeOffset.UtcNow);

        await store.SaveAsync(media, new MemoryStream([1, 2, 3]), null);

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder, ".incoming")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
