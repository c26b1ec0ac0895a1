using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A real <c>Gateway.Web</c> process (the built Gateway.Web.dll, Development environment so the dev login works)
/// on fixed ports, so it can be killed like a crash and started again in the same place. Its console output is
/// kept for failure messages.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly ExternalProcess.OutputTail _output = new();
    private readonly HttpClient _http;
    private Process? _process;

    public GatewayProcess(IReadOnlyDictionary<string, string> settings)
    {
        HttpPort = FreePort.Next();
        _settings = new Dictionary<string, string>(settings)
        {
            ["Urls"] = $"http://127.0.0.1:{HttpPort}",
            ["Cluster:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Auth:DevLoginEnabled"] = "true",
            ["RateLimits:Enabled"] = "false",
            ["Security:Encryption"] = "Off",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int HttpPort { get; }

    public string Output => _output.ToString();

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The operating system's id of the running process, if any (for resource samples).</summary>
    public int? Pid => IsRunning ? _process!.Id : null;

    /// <summary>Starts the process and waits until it answers a login (its cluster client is connected).</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        var dll = GatewayDll();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in _settings)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        _process.OutputDataReceived += (_, e) => _output.Add(e.Data);
        _process.ErrorDataReceived += (_, e) => _output.Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () => !IsRunning || await AnswersAsync(), "the gateway answers", timeout);
        if (!IsRunning)
        {
            throw new InvalidOperationException("the gateway exited while starting:\n" + Output);
        }
    }

    /// <summary>Kills the process at once, as a crash would (kill -9).</summary>
    public void Kill()
    {
        if (IsRunning)
        {
            _process!.Kill(entireProcessTree: true);
        }
    }

    public async Task<string> LoginAsync(string openId)
    {
        using var response = await _http.PostAsJsonAsync("/api/auth/login", new { openId, name = openId });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    public Uri WebSocketUri(string token) => new($"ws://127.0.0.1:{HttpPort}/ws?access_token={Uri.EscapeDataString(token)}");

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (_process is not null)
        {
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        _http.Dispose();
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            await LoginAsync("probe-" + Guid.NewGuid().ToString("N")[..8]);
            return true;
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
        var bin = Path.GetDirectoryName(silo)!; // .../Silo/bin/<configuration>/<tfm>
        var tfm = Path.GetFileName(bin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(bin)!);
        var root = Path.GetFullPath(Path.Combine(bin, "..", "..", "..", ".."));
        var dll = Path.Combine(root, "Gateway.Web", "bin", configuration, tfm, "Gateway.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }
}
