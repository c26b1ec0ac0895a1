using OrleansChat.Grains.WeChat;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Security;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// The Secrets both overlays generate: every key is a setting the code binds, each Secret is loaded only by the
/// pods that read it, its name carries kustomize's content hash (a change rolls the pods), the keys work (the
/// gateway's own loader accepts the signing and encryption keys), and docs/deploy.md's commands write exactly the
/// files the prod overlay reads.
/// </summary>
public sealed class SecretManifestTests
{
    /// <summary>Secret → the containers that load it (and no other container does).</summary>
    private static readonly Dictionary<string, string[]> LoadedBy = new(StringComparer.Ordinal)
    {
        ["orleanschat-redis"] = ["gateway", "silo"], // cluster membership: silos write it, the gateways' clients read it
        ["orleanschat-postgres"] = ["migrate", "silo"],
        ["orleanschat-mongo"] = ["silo"],
        ["orleanschat-signing"] = ["gateway"],
        ["orleanschat-encryption"] = ["gateway"],
        ["orleanschat-wechat"] = ["gateway", "silo"], // the gateways' login, the silos' subscribe messages
        ["orleanschat-media"] = ["gateway"], // the media store and signed media URLs live in the gateways
    };

    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_secret_key_is_a_setting_the_code_binds(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var secret in OurSecrets(manifests))
        {
            var keys = secret.Data.ToDictionary(kv => kv.Key, kv => (string?)System.Text.Encoding.UTF8.GetString(kv.Value ?? []), StringComparer.Ordinal);
            Assert.NotEmpty(keys);
            var unbound = BoundSettings.Unbound(keys);
            Assert.True(unbound.Count == 0, $"{overlay}/{secret.Metadata.Name}:\n" + string.Join("\n", unbound));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Each_secret_is_loaded_only_where_it_is_read_under_a_content_hashed_name(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var secrets = OurSecrets(manifests).ToList();
        Assert.Equal(LoadedBy.Keys.Order(), secrets.Select(BaseName).Order());
        var containers = manifests.PodTemplates.SelectMany(p => (p.Template.Spec.InitContainers ?? []).Concat(p.Template.Spec.Containers)).ToList();
        foreach (var secret in secrets)
        {
            var loading = containers.Where(c => (c.EnvFrom ?? []).Any(e => e.SecretRef?.Name == secret.Metadata.Name)).Select(c => c.Name).Order();
            Assert.Equal(LoadedBy[BaseName(secret)], loading);
        }

        // Every Secret a container loads is one of these (so by its hashed name): none is made by hand.
        foreach (var reference in containers.SelectMany(c => c.EnvFrom ?? []).Where(e => e.SecretRef?.Name.StartsWith("orleanschat-", StringComparison.Ordinal) == true))
        {
            Assert.Contains(secrets, s => s.Metadata.Name == reference.SecretRef.Name);
            Assert.NotEqual(true, reference.SecretRef.Optional);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_loads_the_shared_signing_and_encryption_keys_and_the_WeChat_login(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(manifests.Environment(manifests.Gateway.Spec.Template.Spec.Containers.Single())
            .Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value))).Build();

        var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>()!;
        var signing = Assert.Single(RsaKeySet.Load(auth.SigningKeys, "Auth:SigningKeys", NullLogger.Instance));
        Assert.DoesNotContain("ephemeral", signing.Id, StringComparison.Ordinal);
        var security = configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>()!;
        var encryption = Assert.Single(RsaKeySet.Load(security.EncryptionKeys, "Security:EncryptionKeys", NullLogger.Instance));
        Assert.DoesNotContain("ephemeral", encryption.Id, StringComparison.Ordinal);
        Assert.False(auth.DevLoginEnabled);

        // Prod logs users in through WeChat (the development login is off); dev has no mini-program.
        var weChat = configuration.GetSection(WeChatOptions.SectionName).Get<WeChatOptions>() ?? new WeChatOptions();
        Assert.Equal(overlay == "prod", weChat.IsConfigured);
    }

    [SkippableFact]
    public void The_docs_commands_write_exactly_the_files_the_prod_overlay_reads()
    {
        var docs = File.ReadAllText(Path.Combine(Kustomize.RepositoryRoot(), "docs", "deploy.md"));
        var files = Kustomize.SecretFiles().Where(f => f.Directory == Path.Combine("overlays", "prod")).ToList();
        Assert.Equal(9, files.Count);
        foreach (var (_, _, file) in files)
        {
            Assert.Contains("> " + file, docs, StringComparison.Ordinal); // written by a documented command
        }

        // The "### Secrets" section: what every prod deployment writes. Opt-in features (webhooks) add their own
        // files and overlay lines in their own sections.
        var start = docs.IndexOf("### Secrets\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/deploy.md has a \"### Secrets\" section");
        var section = docs[start..docs.IndexOf("\n### ", start + 1, StringComparison.Ordinal)];
        var written = System.Text.RegularExpressions.Regex.Matches(section, @"> (secrets/[A-Za-z0-9._-]+)").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(files.Select(f => f.File).Order(), written.Order());

        // The names of the past that the code never read.
        Assert.DoesNotContain("Auth__SigningKey=", docs, StringComparison.Ordinal);
        Assert.DoesNotContain("orleanschat-secrets", docs, StringComparison.Ordinal);
    }

    private static IEnumerable<V1Secret> OurSecrets(Manifests manifests) =>
        manifests.All<V1Secret>().Where(s => LoadedBy.Keys.Any(k => s.Metadata.Name.StartsWith(k + "-", StringComparison.Ordinal)));

    /// <summary>The generator's name without kustomize's "-" + 10-character content hash (which must be there).</summary>
    private static string BaseName(V1Secret secret)
    {
        var name = secret.Metadata.Name;
        var dash = name.LastIndexOf('-');
        Assert.True(dash > 0 && name.Length - dash - 1 == 10, $"{name} has no content hash");
        return name[..dash];
    }
}
