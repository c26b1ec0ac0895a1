using System.Diagnostics;
using System.Globalization;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A real <c>Silo</c> process started from the build output next to this test run, killed on dispose. Its
/// console output is kept for failure messages.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ExternalProcess.OutputTail _output = new();

    private SiloProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => _output.Add(e.Data);
        _process.ErrorDataReceived += (_, e) => _output.Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => _output.ToString();

    public bool HasExited => _process.HasExited;

    /// <summary>The operating system's id of the process (for resource samples).</summary>
    public int Pid => _process.Id;

    /// <summary>Silo.dll of the same configuration (Debug/Release) as this test assembly.</summary>
    public static string SiloDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OrleansChat.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? ".", "Silo", "bin", configuration, testBin.Name, "Silo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }

    public static SiloProcess Start(IReadOnlyDictionary<string, string> settings, params string[] verb)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SiloDll());
        foreach (var word in verb)
        {
            start.ArgumentList.Add(word);
        }

        // Every silo process of a test gets its own health/metrics port (the default 8080 would collide).
        var withHealthPort = settings.ContainsKey("Health:Port") ? settings : new Dictionary<string, string>(settings) { ["Health:Port"] = "0" };
        foreach (var (key, value) in withHealthPort)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new SiloProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the silo"));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once, as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
