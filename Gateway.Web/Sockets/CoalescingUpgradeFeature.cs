using Microsoft.AspNetCore.Http.Features;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Wraps the server's upgrade so that the WebSocket middleware builds its socket on a <see cref="CoalescingStream"/>,
/// which the connection's writer then uses to send several queued frames with one flush.
/// </summary>
public sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The upgraded stream, once <see cref="UpgradeAsync"/> ran.</summary>
    public CoalescingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync() => Stream = new CoalescingStream(await inner.UpgradeAsync());

    /// <summary>Installs the wrapper on upgradable requests; must run before <c>UseWebSockets</c>.</summary>
    public static IApplicationBuilder Use(IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            context.Features.Set<IHttpUpgradeFeature>(new CoalescingUpgradeFeature(upgrade));
        }

        return next(context);
    });
}
