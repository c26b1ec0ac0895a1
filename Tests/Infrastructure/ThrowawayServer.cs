namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A server process a test run starts for itself and must never leave behind: stopped on dispose and, as a last
/// resort, when the test host exits without disposing its fixtures.
/// </summary>
public abstract class ThrowawayServer : IAsyncLifetime, IDisposable
{
    public abstract Task InitializeAsync();

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Stop();
        GC.SuppressFinalize(this);
    }

    /// <summary>Call once the server may be running.</summary>
    protected void StopOnProcessExit() => AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

    /// <summary>Stops the server and removes what it left; safe to call more than once.</summary>
    protected abstract void Stop();

    private void OnProcessExit(object? sender, EventArgs e) => Stop();
}
