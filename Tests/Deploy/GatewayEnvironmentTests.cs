using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// The built gateway (Gateway.Web.dll from the build output, as `dotnet run` and the images start it) in the two
/// environments people run it in: Development starts (its static web assets manifest names Gateway.Web/wwwroot) and
/// lets the development login in; Production starts and refuses it unless the setting is given (secure by default).
/// </summary>
public sealed class GatewayEnvironmentTests
{
    [Theory]
    [InlineData("Development", HttpStatusCode.OK)]
    [InlineData("Production", HttpStatusCode.Forbidden)]
    public async Task The_built_gateway_starts_and_only_Development_lets_the_development_login_in(string environment, HttpStatusCode expected)
    {
        var port = ExternalProcess.GetFreePort();
        var output = new StringBuilder();
        using var gateway = StartGateway(environment, port, output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.TrueAsync(async () => gateway.HasExited ? throw new InvalidOperationException($"the gateway exited ({gateway.ExitCode}) in {environment}") : await AnswersAsync(http), $"the gateway answers /healthz in {environment}", TimeSpan.FromSeconds(90));

            using var login = await http.PostAsJsonAsync("/api/auth/login", new { openId = "alice", name = "Alice" });
            Assert.Equal(expected, login.StatusCode);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"{failure.Message}\ngateway output:\n{output}", failure);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync();
        }
    }

    private static Process StartGateway(string environment, int port, StringBuilder output)
    {
        var dll = GatewayDll();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var setting in new[]
        {
            "--Urls", $"http://127.0.0.1:{port}",
            "--Cluster:SiloPort", ExternalProcess.GetFreePort().ToString(CultureInfo.InvariantCulture),
            "--Cluster:GatewayPort", ExternalProcess.GetFreePort().ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> AnswersAsync(HttpClient http)
    {
        try
        {
            using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            return health.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Gateway.Web.dll of the same configuration (Debug/Release) as this test assembly, beside Silo.dll.</summary>
    private static string GatewayDll()
    {
        var silo = SiloProcess.SiloDll();
        var bin = Path.GetDirectoryName(silo)!;
        var configuration = Path.GetFileName(Path.GetDirectoryName(bin)!);
        var root = Path.GetFullPath(Path.Combine(bin, "..", "..", "..", ".."));
        var dll = Path.Combine(root, "Gateway.Web", "bin", configuration, Path.GetFileName(bin), "Gateway.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }
}
