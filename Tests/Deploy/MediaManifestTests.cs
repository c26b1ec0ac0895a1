using Microsoft.Extensions.Configuration;
using OrleansChat.Gateway.Media;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// Media on Kubernetes: the gateways scale out and their root filesystem is read-only, so every overlay must keep
/// uploads in a shared store (GridFS here), never on a pod's disk, sign media URLs with a shared key (an ephemeral one
/// would not verify on another gateway), and pass the same start-up validation the gateway runs.
/// </summary>
public sealed class MediaManifestTests
{
    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Gateways_keep_media_in_a_shared_store_with_a_shared_url_key(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var gateway = manifests.Gateway.Spec.Template.Spec.Containers.Single();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(manifests.Environment(gateway)
            .Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value))).Build();

        var media = configuration.GetSection(MediaOptions.SectionName).Get<MediaOptions>()!;

        Assert.Equal(MediaStoreProvider.MongoDB, media.Provider);
        Assert.StartsWith("mongodb", media.Mongo.ConnectionString, StringComparison.Ordinal);
        var key = Assert.Single(media.UrlSigningKeys);
        Assert.Null(media.Problem());
        Assert.Null(key.Problem());
        Assert.True(gateway.SecurityContext.ReadOnlyRootFilesystem); // why a disk store would not even start here
    }

    [Fact]
    public void The_gateway_image_carries_ffmpeg_for_voice_messages()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Kustomize.RepositoryRoot(), "Gateway.Web", "Dockerfile"));
        var runtime = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

        Assert.Matches(@"apt-get install -y --no-install-recommends [^\n]*\bffmpeg\b", runtime);
    }
}
