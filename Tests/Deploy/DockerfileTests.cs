using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// No Docker engine runs here, so the Dockerfiles are checked by reading: they publish the project the tests run,
/// copy every project it references, start the assembly it builds, and end on the runtime image as a non-root user.
/// </summary>
public sealed partial class DockerfileTests
{
    [Theory]
    [InlineData("Gateway.Web")]
    [InlineData("Silo")]
    public void The_image_builds_and_starts_the_project_the_tests_run(string project)
    {
        var root = Kustomize.RepositoryRoot();
        var dockerfile = File.ReadAllText(Path.Combine(root, project, "Dockerfile"));
        var stages = dockerfile.Split("\nFROM ");
        Assert.Equal(3, stages.Length); // header comments, build stage, runtime stage
        var (build, runtime) = ("FROM " + stages[1], "FROM " + stages[2]);

        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", build, StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", runtime, StringComparison.Ordinal);
        Assert.Contains($"dotnet publish {project}/{project}.csproj -c Release", build, StringComparison.Ordinal);
        foreach (var referenced in ProjectClosure(root, project))
        {
            Assert.Contains($"COPY {referenced}/{referenced}.csproj {referenced}/", build, StringComparison.Ordinal);
            Assert.Contains($"COPY {referenced}/ {referenced}/", build, StringComparison.Ordinal);
        }

        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{project}.dll\"]", runtime, StringComparison.Ordinal);
        Assert.Contains("USER $APP_UID", runtime, StringComparison.Ordinal);
        Assert.Contains("COPY --from=build /app ./", runtime, StringComparison.Ordinal);
        Assert.Matches(HealthCheck(), runtime);
        Assert.Contains("EXPOSE ", runtime, StringComparison.Ordinal);
        Assert.Contains("8080", runtime[runtime.IndexOf("EXPOSE ", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    /// <summary>The project and every project it references, transitively, by folder name.</summary>
    private static HashSet<string> ProjectClosure(string root, string project)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!found.Add(next))
            {
                continue;
            }

            var csproj = XDocument.Load(Path.Combine(root, next, next + ".csproj"));
            foreach (var reference in csproj.Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/')));
            }
        }

        return found;
    }

    [GeneratedRegex(@"HEALTHCHECK .*\n.*/healthz")]
    private static partial Regex HealthCheck();
}
