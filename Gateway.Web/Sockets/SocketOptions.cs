namespace OrleansChat.Gateway.Sockets;

/// <summary>Per-socket limits and timers (section "Sockets").</summary>
public sealed class SocketOptions
{
    public const string SectionName = "Sockets";

    /// <summary>A connection that sent nothing for this long is closed (clients ping every 25 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>WebSocket-level keep-alive (pong frames) so proxies keep idle connections open.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest client message accepted; a larger one closes the connection with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Data frames waiting for one client to read them (and, before an encrypted session's hello, frames held for it);
    /// a client with this many waiting is too slow: the next frame closes it with 1013 (try again later).
    /// </summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>How long a closing socket gets to flush and say goodbye before it is aborted.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Open sockets one user may hold on this gateway; one more is refused with 429 before the upgrade. 0: no limit.</summary>
    public int MaxConnectionsPerUser { get; set; } = 10;

    /// <summary>Open sockets from one remote address on this gateway (429 beyond). 0: no limit.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 256;

    /// <summary>Origins (scheme://host[:port]) browsers may upgrade from (403 otherwise); empty: any. Requests without Origin are allowed.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Write WebSocket data frames straight to the socket on plaintext HTTP/1.1 connections, several per write when
    /// they queue up, instead of one by one through Kestrel's output pipe (docs/performance.md, "Eighth pass").
    /// Read at start-up.
    /// </summary>
    public bool DirectOutput { get; set; } = true;

    /// <summary>
    /// Connects set up at once (upgrade, the user grain's Connect, rooms re-attached, welcome); more wait in a queue
    /// (<see cref="ConnectQueueLimit"/>). 0: no limit. See <see cref="Limits.ConnectAdmission"/>.
    /// </summary>
    public int MaxConcurrentConnects { get; set; } = 128;

    /// <summary>Connects waiting for a turn; one more is refused with 503 + Retry-After before the upgrade.</summary>
    public int ConnectQueueLimit { get; set; } = 1024;

    /// <summary>The Retry-After (whole seconds, at least 1) of a connect refused because the queue is full.</summary>
    public TimeSpan ConnectRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, how long the gateway waits for its sockets to flush, close (1012) and deregister; keep it under the pod's grace period.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
