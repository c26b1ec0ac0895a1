using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// Kestrel connection middleware: every socket connection writes through a <see cref="SocketOutput"/>, which
/// requests (and <c>/ws</c>) find among their features. Added first, so it sits next to the socket and TLS, when an
/// endpoint has it, writes through it too (such connections just do not write frames to it directly).
/// </summary>
public static class SocketOutputMiddleware
{
    /// <summary>How long a finished connection may take to hand its last queued bytes to the kernel before it is aborted.</summary>
    private static readonly TimeSpan LastBytesTimeout = TimeSpan.FromSeconds(5);

    public static ListenOptions UseSocketOutput(this ListenOptions listen) =>
        (ListenOptions)listen.Use(next => connection => RunAsync(next, connection));

    private static async Task RunAsync(ConnectionDelegate next, ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await next(connection);
            return;
        }

        var transport = connection.Transport;
        var output = new SocketOutput(socket);
        connection.Transport = new DuplexPipe(transport.Input, output);
        connection.Features.Set(output);
        try
        {
            await next(connection);
        }
        finally
        {
            if (!await output.WaitUntilDrainedAsync(LastBytesTimeout))
            {
                connection.Abort(new ConnectionAbortedException("the peer did not take the connection's last bytes"));
            }

            connection.Transport = transport; // Kestrel completes its own pipe, which ends its send loop and closes the socket
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
