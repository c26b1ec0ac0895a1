using k8s.Models;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// The rendered pods against the Kubernetes Pod Security Standard "restricted" (the checks of the
/// <c>pod-security.kubernetes.io/enforce: restricted</c> admission level, as written in the standard), plus what
/// this project asks beyond it: a read-only root filesystem, no service-account token where the API is not used,
/// and pinned images.
/// </summary>
public sealed class PodSecurityManifestTests
{
    /// <summary>Volume types the restricted level allows.</summary>
    private static readonly string[] AllowedVolumeTypes = ["ConfigMap", "EmptyDir", "Secret", "Projected", "DownwardAPI", "PersistentVolumeClaim", "Ephemeral", "Csi"];

    /// <summary>Pods of ours, which must meet the restricted level in every overlay (dev's third-party databases are exempt).</summary>
    private static readonly string[] OurPods = ["orleanschat-silo", "orleanschat-gateway"];

    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableFact]
    public void Every_pod_of_the_prod_overlay_meets_the_restricted_level()
    {
        var manifests = Kustomize.RenderOverlay("prod");
        Assert.NotEmpty(manifests.PodTemplates);
        var violations = manifests.PodTemplates.SelectMany(p => RestrictedViolations(p.Template.Spec).Select(v => $"{p.Name}: {v}")).ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Our_pods_meet_the_restricted_level_with_a_read_only_root_and_pinned_images(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var name in OurPods)
        {
            var pod = manifests.Named<V1Deployment>(name).Spec.Template.Spec;
            Assert.Empty(RestrictedViolations(pod));
            foreach (var container in Containers(pod))
            {
                Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, $"{name}/{container.Name}: root filesystem writable");
                var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
                Assert.NotNull(pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir);
                var tag = container.Image[(container.Image.LastIndexOf(':') + 1)..];
                Assert.True(container.Image.Contains(':', StringComparison.Ordinal) && tag != "latest", $"{name}/{container.Name}: image {container.Image} is not pinned");
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Only_the_silo_mounts_a_service_account_token_and_its_role_is_least_privilege(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var (name, template) in manifests.PodTemplates)
        {
            // Orleans' Kubernetes hosting (silos only) is the one thing here that calls the Kubernetes API.
            Assert.True(template.Spec.AutomountServiceAccountToken == (name == "orleanschat-silo"), $"{name}: automountServiceAccountToken {template.Spec.AutomountServiceAccountToken}");
        }

        var role = Assert.Single(manifests.All<V1Role>());
        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["delete", "get", "list", "watch"], rule.Verbs.Order());
        Assert.Empty(manifests.All<V1ClusterRole>());
    }

    [SkippableFact]
    public void The_restricted_check_catches_a_root_container_without_seccomp()
    {
        var manifests = Kustomize.RenderOverlay("prod");
        var pod = manifests.Gateway.Spec.Template.Spec;
        pod.SecurityContext.SeccompProfile = null;
        pod.Containers.Single().SecurityContext.Capabilities.Drop = [];
        pod.SecurityContext.RunAsUser = 0;
        Assert.Equal(3, RestrictedViolations(pod).Count);
    }

    /// <summary>The restricted level's checks (baseline's included), each violation described.</summary>
    private static List<string> RestrictedViolations(V1PodSpec pod)
    {
        var problems = new List<string>();
        if (pod.HostNetwork == true || pod.HostPID == true || pod.HostIPC == true)
        {
            problems.Add("host namespaces");
        }

        foreach (var volume in pod.Volumes ?? [])
        {
            var type = typeof(V1Volume).GetProperties().Where(p => p.Name != nameof(V1Volume.Name) && p.GetValue(volume) is not null).Select(p => p.Name).Single();
            if (!AllowedVolumeTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"volume {volume.Name} of type {type}");
            }
        }

        var podContext = pod.SecurityContext;
        if (podContext?.RunAsUser == 0)
        {
            problems.Add("pod runs as user 0");
        }

        foreach (var container in Containers(pod))
        {
            var context = container.SecurityContext;
            if (context?.Privileged == true || context?.AllowPrivilegeEscalation != false)
            {
                problems.Add($"{container.Name}: privileged or privilege escalation allowed");
            }

            if ((context?.RunAsNonRoot ?? podContext?.RunAsNonRoot) != true || context?.RunAsUser == 0)
            {
                problems.Add($"{container.Name}: not runAsNonRoot");
            }

            if ((context?.SeccompProfile ?? podContext?.SeccompProfile)?.Type is not ("RuntimeDefault" or "Localhost"))
            {
                problems.Add($"{container.Name}: no RuntimeDefault/Localhost seccomp profile");
            }

            var capabilities = context?.Capabilities;
            if (capabilities?.Drop?.Contains("ALL") != true || (capabilities.Add ?? []).Any(c => c != "NET_BIND_SERVICE"))
            {
                problems.Add($"{container.Name}: capabilities not dropped to ALL (only NET_BIND_SERVICE may be added)");
            }

            if ((container.Ports ?? []).Any(p => p.HostPort is > 0))
            {
                problems.Add($"{container.Name}: host port");
            }
        }

        return problems;
    }

    private static IEnumerable<V1Container> Containers(V1PodSpec pod) => (pod.InitContainers ?? []).Concat(pod.Containers);
}
