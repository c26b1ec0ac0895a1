using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media in a folder (<c>Media:DataFolder</c>): one directory per item, <c>{root}/{id[0..2]}/{id}/</c>, holding
/// <c>media.json</c>, <c>original</c>, <c>thumbnail</c>, one empty file per sharing conversation under <c>shares/</c>, one per
/// referencing message under <c>messages/</c>, and once every referencing message is recalled, <c>released</c> (its time).
/// An item is written into a scratch directory and renamed into place, so a reader never sees half an item and the
/// rename is the dedupe's tie-breaker. For a single gateway (the embedded default); gateways that scale out need a shared
/// store (PostgreSQL or MongoDB).
/// </summary>
public sealed class DiskMediaStore : IMediaStore
{
    private const string MetadataFile = "media.json";
    private const string SharesFolder = "shares";
    private const string MessagesFolder = "messages";
    private const string ReleasedFile = "released";
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

    public async Task RecordShareAsync(string mediaId, string conversation, long seq, CancellationToken cancellationToken = default)
    {
        var item = ItemFolder(mediaId);
        if (!Directory.Exists(Path.Combine(item, SharesFolder)))
        {
            throw new InvalidOperationException($"no stored media {mediaId}");
        }

        Directory.CreateDirectory(Path.Combine(item, MessagesFolder));
        await File.WriteAllBytesAsync(Path.Combine(item, MessagesFolder, Marker($"{conversation}\n{seq}")), [], cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(item, SharesFolder, Marker(conversation)), [], cancellationToken);
        File.Delete(Path.Combine(item, ReleasedFile));
    }

    public async Task ReleaseAsync(string mediaId, string conversation, long seq, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var item = ItemFolder(mediaId);
        var messages = Path.Combine(item, MessagesFolder);
        var reference = Path.Combine(messages, Marker($"{conversation}\n{seq}"));
        if (!File.Exists(reference))
        {
            return;
        }

        File.Delete(reference);
        var remaining = Directory.EnumerateFiles(messages).Select(f => Unmarker(Path.GetFileName(f))).ToList();
        if (!remaining.Any(r => r.StartsWith(conversation + "\n", StringComparison.Ordinal)))
        {
            File.Delete(Path.Combine(item, SharesFolder, Marker(conversation)));
        }

        if (remaining.Count == 0)
        {
            await File.WriteAllTextAsync(Path.Combine(item, ReleasedFile), at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), cancellationToken);
        }
    }

    public Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(ItemFolder(mediaId), SharesFolder);
        IReadOnlyList<string> shares = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Select(f => Unmarker(Path.GetFileName(f))).ToList()
            : [];
        return Task.FromResult(shares);
    }

    public async Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default)
    {
        var orphans = new List<string>();
        foreach (var (mediaId, folder) in Items())
        {
            if (orphans.Count >= limit)
            {
                break;
            }

            if (!IsShared(folder) && !File.Exists(Path.Combine(folder, ReleasedFile))
                && await FindAsync(mediaId, cancellationToken) is { } media && media.CreatedAt < createdBefore)
            {
                orphans.Add(mediaId);
            }
        }

        return orphans;
    }

    public async Task<IReadOnlyList<string>> FindReleasedAsync(DateTimeOffset releasedBefore, int limit, CancellationToken cancellationToken = default)
    {
        var released = new List<string>();
        foreach (var (mediaId, folder) in Items())
        {
            if (released.Count >= limit)
            {
                break;
            }

            var marker = Path.Combine(folder, ReleasedFile);
            if (!IsShared(folder) && File.Exists(marker)
                && long.TryParse(await File.ReadAllTextAsync(marker, cancellationToken), NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && DateTimeOffset.FromUnixTimeMilliseconds(at) < releasedBefore)
            {
                released.Add(mediaId);
            }
        }

        return released;
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

    /// <summary>Every stored item: the fan-out folders' item folders, the scratch folder aside.</summary>
    private IEnumerable<(string MediaId, string Folder)> Items() =>
        Directory.EnumerateDirectories(_root).Where(f => f != _scratch).SelectMany(Directory.EnumerateDirectories)
            .Select(folder => (MediaId: Path.GetFileName(folder), Folder: folder))
            .Where(item => MediaIds.IsWellFormed(item.MediaId));

    private static bool IsShared(string folder)
    {
        var shares = Path.Combine(folder, SharesFolder);
        return Directory.Exists(shares) && Directory.EnumerateFileSystemEntries(shares).Any();
    }

    /// <summary>Conversation ids (and message references) as file names: base64url, so any character is safe.</summary>
    private static string Marker(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static string Unmarker(string fileName) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(fileName));

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
