using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Limits;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Gateway.Security;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// <c>GET /ws</c>: authenticates the upgrade, then runs the socket with a <see cref="ChatSession"/> until it
/// closes, and always deregisters it. One instance for the process: its services are resolved once, not per
/// request, because resolving them per request would keep a request scope (and its dictionary of resolved
/// services) alive for as long as each socket lives.
/// </summary>
public sealed partial class WebSocketEndpoint(
    IServiceProvider services,
    TokenService tokens,
    LocalGateway gateway,
    ConnectionLimiter limiter,
    ConnectAdmission admission,
    RateLimiter rateLimiter,
    GatewayDrain drain,
    Observability.GatewayMetrics metrics,
    EncryptionKeyRing encryptionKeys,
    IOptions<SocketOptions> socketOptions,
    IOptions<SecurityOptions> security,
    IOptions<WeChatNotificationOptions> notifications,
    TimeProvider time,
    ILogger<WebSocketEndpoint> logger)
{
    private static readonly ObjectFactory<ChatSession> NewSession =
        ActivatorUtilities.CreateFactory<ChatSession>([typeof(ClientConnection), typeof(ConnectionRateLimit)]);

    private readonly SocketOptions _options = socketOptions.Value;

    /// <summary>welcome.notify: the same for every connection, absent unless WeChat notifications are configured.</summary>
    private readonly WelcomeNotify? _notify = notifications.Value.IsConfigured ? new WelcomeNotify(notifications.Value.Templates) : null;

    public async Task HandleAsync(HttpContext context)
    {
        if (drain.IsDraining)
        {
            // Shutting down: the load balancer sends the retry to another gateway.
            context.Response.Headers.RetryAfter = "1";
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ChatErrorCode.Unavailable, "this gateway is shutting down; reconnect");
            return;
        }

        if (gateway.NotReadyReason is { } notReady)
        {
            context.Response.Headers.RetryAfter = "1";
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ChatErrorCode.Unavailable, $"{notReady}; retry after Retry-After seconds");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, ChatErrorCode.BadRequest, "this endpoint takes WebSocket upgrades only");
            return;
        }

        if (!OriginAllowList.Allows(_options.AllowedOrigins, context.Request.Headers.Origin))
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, ChatErrorCode.Forbidden, "this origin may not connect (Sockets:AllowedOrigins)");
            return;
        }

        var user = await AuthenticateAsync(context);
        if (user is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, ChatErrorCode.Unauthorized, "a valid token is required: ?access_token=, Authorization: Bearer, or Sec-WebSocket-Protocol bearer.TOKEN");
            return;
        }

        using var slot = limiter.TryAcquire(user.Id, context.Connection.RemoteIpAddress, out var refusal);
        if (slot is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, ChatErrorCode.RateLimited, refusal!);
            return;
        }

        var turn = await admission.EnterAsync(context.RequestAborted);
        if (turn is null)
        {
            metrics.ConnectRefused();
            context.Response.Headers.RetryAfter = admission.RetryAfterSeconds;
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ChatErrorCode.Unavailable, "too many connects at once on this gateway; retry after Retry-After seconds");
            return;
        }

        using (turn)
        {
            await AcceptAsync(context, user, turn);
        }
    }

    /// <summary>Upgrades and runs the socket; <paramref name="turn"/> (the connect admission) is given back once the welcome is out.</summary>
    private async Task AcceptAsync(HttpContext context, UserProfile user, IDisposable turn)
    {
        UpgradeRequestTarget.Forget(context);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = _options.KeepAliveInterval,
            SubProtocol = BearerToken.SelectSubProtocol(context.WebSockets.WebSocketRequestedProtocols),
        });
        using var connection = new ClientConnection(Guid.NewGuid().ToString("N"), user, socket, _options, time, DirectOutputOf(context))
        {
            Metrics = metrics,
        };
        using var rateLimit = rateLimiter.Open(user.Id);
        var session = NewSession(services, [connection, rateLimit]);
        var handler = EncryptedSession.Decorate(
            connection, session, security.Value.Encryption, encryptionKeys, _options.SendQueueCapacity, logger);
        try
        {
            await RunAsync(connection, session, handler, turn);
        }
        finally
        {
            (handler as IDisposable)?.Dispose();
        }
    }

    private async Task RunAsync(ClientConnection connection, ChatSession session, IFrameHandler handler, IDisposable turn)
    {
        try
        {
            try
            {
                var joined = await gateway.ConnectAsync(connection);
                session.Reply(WelcomeOf(joined, connection.User.Id));
            }
            finally
            {
                turn.Dispose(); // the connect is set up: the next one may start
            }

            await connection.RunAsync(handler);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogConnectionFailed(e, connection.User.Id);
            connection.Close(WebSocketCloseStatus.InternalServerError, "server error", flush: true);
        }
        finally
        {
            await DisconnectQuietlyAsync(connection);
        }
    }

    private WelcomeEvent WelcomeOf(Grains.UserSession joined, string userId) => new(
        joined.Profile,
        joined.Rooms,
        [.. joined.DmPeers.Select(p => ConversationId.ForDm(userId, p))],
        time.GetUtcNow().ToUnixTimeMilliseconds(),
        joined.Conversations?.Conversations,
        joined.Conversations?.Unread,
        joined.Conversations?.Next,
        joined.Requests,
        _notify);

    private async Task DisconnectQuietlyAsync(ClientConnection connection)
    {
        try
        {
            await gateway.DisconnectAsync(connection);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The registrations expire on their own when not renewed; this only makes it prompt.
            LogDisconnectFailed(e, connection.User.Id);
        }
    }

    /// <summary>
    /// Frames may be written to the socket as bytes only on plaintext HTTP/1.1: through TLS they must be encrypted,
    /// and on HTTP/2 the socket carries other streams too.
    /// </summary>
    private static SocketOutput? DirectOutputOf(HttpContext context) =>
        !context.Request.IsHttps && HttpProtocol.IsHttp11(context.Request.Protocol) ? context.Features.Get<SocketOutput>() : null;

    /// <summary>The token comes from the query, the Authorization header or the sub-protocol list (<see cref="BearerToken"/>).</summary>
    private async Task<UserProfile?> AuthenticateAsync(HttpContext context) =>
        (await tokens.ValidateAsync(BearerToken.FromUpgrade(context)))?.User;

    private static Task WriteErrorAsync(HttpContext context, int status, ChatErrorCode code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new HttpError(code, message), ProtocolJson.Options);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Connection of user {UserId} failed")]
    private partial void LogConnectionFailed(Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deregistering a connection of user {UserId} failed")]
    private partial void LogDisconnectFailed(Exception exception, string userId);
}

public static class WebSocketEndpointMapping
{
    public static IEndpointRouteBuilder MapChatWebSocket(this IEndpointRouteBuilder endpoints)
    {
        UpgradeRequestTarget.RequireKestrelCache(); // at start-up: a Kestrel update that moved it fails here, not silently
        var endpoint = ActivatorUtilities.CreateInstance<WebSocketEndpoint>(endpoints.ServiceProvider);
        endpoints.Map("/ws", endpoint.HandleAsync);
        return endpoints;
    }
}
