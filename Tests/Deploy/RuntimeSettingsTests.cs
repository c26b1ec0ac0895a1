using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// The runtime settings each role ships with, as built (its <c>runtimeconfig.json</c>, what the container runs):
/// measured choices (docs/performance.md) that a project-file edit could otherwise drop unnoticed.
/// </summary>
public sealed class RuntimeSettingsTests
{
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    [Theory]
    [InlineData("Silo")]
    [InlineData("Gateway.Web")]
    public void Idle_thread_pool_workers_sleep_at_once_instead_of_spinning(string role)
    {
        var settings = ConfigPropertiesOf(role);

        Assert.True(settings.TryGetProperty(SpinLimit, out var limit), $"{role} sets no {SpinLimit}");
        Assert.Equal(0, limit.GetInt32());
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("Gateway.Web")]
    public void Server_gc_is_the_built_default_of_both_roles(string role)
    {
        // A Client-mode gateway is deployed with DOTNET_gcServer=0 (k8s/base); the embedded default keeps Server GC.
        Assert.True(ConfigPropertiesOf(role).GetProperty("System.GC.Server").GetBoolean());
    }

    private static JsonElement ConfigPropertiesOf(string role)
    {
        // Silo/bin/<configuration>/<framework>/Silo.dll: the other role's output sits at the same place in its folder.
        var framework = new FileInfo(SiloProcess.SiloDll()).Directory!;
        var configuration = framework.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.FullName;
        var file = Path.Combine(root, role, "bin", configuration.Name, framework.Name, $"{role}.runtimeconfig.json");
        Assert.True(File.Exists(file), $"{file} is missing: build the solution first");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
