using System.Diagnostics;
using k8s;
using k8s.Models;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// Renders a kustomization under k8s/ with <c>kubectl kustomize</c> (offline) and parses every object strictly into
/// the KubernetesClient models: <c>KubernetesYaml.LoadAllFromString(..., strict: true)</c> rejects any field the
/// API schema does not have (a typo such as <c>readinesProbe</c> fails here instead of being dropped by the
/// API server), and an unknown kind has no model and fails too.
/// </summary>
public static partial class Kustomize
{
    public static readonly string[] Overlays = ["dev", "prod"];

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OrleansChat.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OrleansChat.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>kubectl's path, or a skip (with the reason) when this machine has none.</summary>
    public static string Kubectl()
    {
        var kubectl = ExternalProcess.FindExecutable("kubectl", ["/usr/bin", "/usr/local/bin"]);
        Skip.If(kubectl is null, "kubectl (with kustomize) is not installed on this machine, so the manifests cannot be rendered");
        return kubectl!;
    }

    /// <summary>
    /// Renders <c>k8s/<paramref name="relativeDir"/></c> from a copy of <c>k8s/</c> in which every secret file a
    /// <c>secretGenerator</c> names under <c>secrets/</c> (the prod overlay's operator-written, git-ignored files)
    /// exists with a placeholder, so the rendering is the one an operator gets after following docs/deploy.md.
    /// </summary>
    public static string Render(string relativeDir)
    {
        var start = new ProcessStartInfo(Kubectl()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Path.Combine(CopyWithSecretFiles(), relativeDir));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {relativeDir} failed: {stderr}");
        return stdout.Result;
    }

    /// <summary>Every <c>KEY=secrets/FILE</c> a kustomization under k8s/ names, as (kustomization directory relative to k8s/, key, file).</summary>
    public static IReadOnlyList<(string Directory, string Key, string File)> SecretFiles()
    {
        var root = Path.Combine(RepositoryRoot(), "k8s");
        return [.. Directory.EnumerateFiles(root, "kustomization.yaml", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select(line => SecretFileEntry().Match(line)).Where(m => m.Success)
                .Select(m => (Path.GetRelativePath(root, Path.GetDirectoryName(file)!), m.Groups["key"].Value, m.Groups["file"].Value)))];
    }

    private static readonly Lazy<string> Copy = new(() =>
    {
        var source = Path.Combine(RepositoryRoot(), "k8s");
        var target = Path.Combine(Path.GetTempPath(), "orleanschat-k8s-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        foreach (var (directory, key, file) in SecretFiles())
        {
            var path = Path.Combine(target, directory, file);
            if (!File.Exists(path))
            {
                using var rsa = System.Security.Cryptography.RSA.Create(2048);
                File.WriteAllText(path, file.EndsWith(".pem", StringComparison.Ordinal) ? rsa.ExportPkcs8PrivateKeyPem() : Placeholder(key));
            }
        }

        return target;
    });

    private static string CopyWithSecretFiles() => Copy.Value;

    /// <summary>A value of the right shape for a secret file, so the checks that parse it (pool sizes) can run.</summary>
    private static string Placeholder(string key) =>
        key.Contains("Postgres", StringComparison.Ordinal) ? "Host=pg.internal;Database=orleanschat;Username=orleans;Password=placeholder;SSL Mode=Require"
        : key.Contains("Redis", StringComparison.Ordinal) ? "redis.internal:6380,ssl=true,password=placeholder"
        : key.Contains("Mongo", StringComparison.Ordinal) ? "mongodb+srv://orleans:placeholder@cluster0.example.net/"
        : key.Contains("UrlSigningKeys", StringComparison.Ordinal) ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
        : "placeholder-" + key;

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*-\s*(?<key>[A-Za-z0-9_]+)=(?<file>secrets/[^\s]+)\s*$")]
    private static partial System.Text.RegularExpressions.Regex SecretFileEntry();

    public static IReadOnlyList<IKubernetesObject> Parse(string yaml) =>
        [.. KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true).Cast<IKubernetesObject>()];

    public static Manifests RenderOverlay(string overlay) => new(Parse(Render(Path.Combine("overlays", overlay))));
}

/// <summary>One rendered overlay, with typed look-ups for the checks.</summary>
public sealed record Manifests(IReadOnlyList<IKubernetesObject> Objects)
{
    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Named<T>(string name)
        where T : IMetadata<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name) ?? throw new Xunit.Sdk.XunitException($"no {typeof(T).Name} named {name}");

    public V1Deployment Silo => Named<V1Deployment>("orleanschat-silo");

    public V1Deployment Gateway => Named<V1Deployment>("orleanschat-gateway");

    /// <summary>The silo's init container that applies the schema before the silo starts.</summary>
    public V1Container Migrate => Silo.Spec.Template.Spec.InitContainers.Single(c => c.Name == "migrate");

    /// <summary>Every pod template of the overlay (Deployments, StatefulSets, Jobs), by the name of its owner.</summary>
    public IEnumerable<(string Name, V1PodTemplateSpec Template)> PodTemplates =>
        All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => (j.Metadata.Name, j.Spec.Template)));

    /// <summary>The generated ConfigMap (kustomize appends a hash to the name).</summary>
    public IDictionary<string, string> Config => All<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith("orleanschat-config", StringComparison.Ordinal)).Data;

    /// <summary>The key/values a container sees: its env literals plus every ConfigMap/Secret it loads whole (when rendered here).</summary>
    public IReadOnlyDictionary<string, string?> Environment(V1Container container)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            foreach (var (key, value) in Keys(source))
            {
                env[key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable.Value;
        }

        return env;
    }

    private IEnumerable<KeyValuePair<string, string?>> Keys(V1EnvFromSource source)
    {
        if (source.ConfigMapRef is { } map)
        {
            return Named<V1ConfigMap>(map.Name).Data.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value));
        }

        var secret = All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == source.SecretRef!.Name);
        return secret is null
            ? []
            : (secret.Data ?? new Dictionary<string, byte[]>()).Select(kv => KeyValuePair.Create(kv.Key, (string?)System.Text.Encoding.UTF8.GetString(kv.Value ?? [])));
    }
}
