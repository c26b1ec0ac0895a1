using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media in a folder (<c>Media:DataFolder</c>): one directory per item, <c>{root}/{id[0..2]}/{id}/</c>, holding
/// <c>media.json</c>, <c>original</c>, <c>thumbnail</c> and one empty file per sharing conversation under <c>shares/</c>.
/// An item is written into a scratch directory and renamed into place, so a reader never sees half an item and the
/// rename is the dedupe's tie-breaker. For a single gateway (the embedded default); gateways that scale out need a shared
/// store (PostgreSQL or MongoDB).
/// </summary>
public sealed class DiskMediaStore : IMediaStore
{
    private const string MetadataFile = "media.json";
    private const string SharesFolder = "shares";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _root;
    private readonly string _scratch;

    public DiskMediaStore(string root)
    {
        _root = Path.GetFullPath(root);
        _scratch = Path.Combine(_root, ".incoming");
        Directory.CreateDirectory(_scratch);
    }

    public async Task<StoredMedia?> FindAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(ItemFolder(mediaId), MetadataFile);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<StoredMedia>(file, Json, cancellationToken);
    }

    public async Task<bool> SaveAsync(StoredMedia media, Stream content, Stream? thumbnail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(content);
        var target = ItemFolder(media.MediaId);
        if (Directory.Exists(target))
        {
            return false;
        }

        var scratch = Path.Combine(_scratch, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(scratch, SharesFolder));
        try
        {
            await WriteFileAsync(Path.Combine(scratch, FileName(MediaVariant.Original)), content, cancellationToken);
            if (thumbnail is not null)
            {
                await WriteFileAsync(Path.Combine(scratch, FileName(MediaVariant.Thumbnail)), thumbnail, cancellationToken);
            }

            await File.WriteAllBytesAsync(Path.Combine(scratch, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(media, Json), cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(scratch, target);
            return true;
        }
        catch (IOException) when (Directory.Exists(target))
        {
            return false; // another upload of the same bytes renamed its copy in first
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    public Task<Stream?> OpenReadAsync(string mediaId, MediaVariant variant, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(ItemFolder(mediaId), FileName(variant));
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, useAsync: true)
            : null;
        return Task.FromResult(stream);
    }

    public async Task RecordShareAsync(string mediaId, string conversation, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(ItemFolder(mediaId), SharesFolder);
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"no stored media {mediaId}");
        }

        var marker = Path.Combine(folder, Base64Url.EncodeToString(Encoding.UTF8.GetBytes(conversation)));
        await File.WriteAllBytesAsync(marker, [], cancellationToken);
    }

    public Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(ItemFolder(mediaId), SharesFolder);
        IReadOnlyList<string> shares = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Select(f => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(Path.GetFileName(f)))).ToList()
            : [];
        return Task.FromResult(shares);
    }

    public async Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default)
    {
        var orphans = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(_root).Where(f => f != _scratch).SelectMany(Directory.EnumerateDirectories))
        {
            var mediaId = Path.GetFileName(folder);
            if (orphans.Count >= limit || !MediaIds.IsWellFormed(mediaId))
            {
                continue;
            }

            var media = await FindAsync(mediaId, cancellationToken);
            var shares = Path.Combine(folder, SharesFolder);
            if (media is not null && media.CreatedAt < createdBefore && (!Directory.Exists(shares) || !Directory.EnumerateFileSystemEntries(shares).Any()))
            {
                orphans.Add(mediaId);
            }
        }

        return orphans;
    }

    public Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var folder = ItemFolder(mediaId);
        if (Directory.Exists(folder))
        {
            // Renamed away first, so a reader never finds half an item.
            var doomed = Path.Combine(_scratch, "deleted-" + Guid.NewGuid().ToString("N"));
            Directory.Move(folder, doomed);
            Directory.Delete(doomed, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static string FileName(MediaVariant variant) => variant == MediaVariant.Original ? "original" : "thumbnail";

    /// <summary>Two-character fan-out folders keep any one directory small; ids are checked well-formed before they get here.</summary>
    private string ItemFolder(string mediaId) =>
        MediaIds.IsWellFormed(mediaId)
            ? Path.Combine(_root, mediaId[..2], mediaId)
            : throw new ArgumentException($"not a media id: {mediaId}", nameof(mediaId));

    private static async Task WriteFileAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024, useAsync: true);
        await content.CopyToAsync(file, cancellationToken);
    }
}
