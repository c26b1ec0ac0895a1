using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Grains;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// A gateway takes sockets only once it is listed in the gateway directory, where a grain reactivated after its
/// silo died finds its members' gateways (docs/architecture.md, "After a silo dies"). A real gateway (Kestrel, its
/// embedded silo) whose directory refuses registrations until the test lets it.
/// </summary>
public sealed class GatewayListingTests
{
    [Fact]
    public async Task An_unlisted_gateway_refuses_sockets_with_503_and_is_not_ready_until_its_registration_goes_through()
    {
        var outage = new DirectoryOutage();
        await using var server = await GatewayServer.StartAsync(
            services: services => services.AddSingleton<IIncomingGrainCallFilter>(outage), untilListed: false);
        var gateway = server.Services.GetRequiredService<LocalGateway>();
        await Eventually.TrueAsync(() => outage.Refused >= 2, "the gateway tried to register and was refused (and retried)");

        Assert.True(gateway.CanReachGrains);
        Assert.False(gateway.IsListed);
        Assert.Contains("not listed", gateway.NotReadyReason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Http.GetAsync("/readyz")).StatusCode);
        var token = await server.LoginAsync(GatewayServer.UniqueName("early"));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "1", "unavailable"), await RawUpgrade.SendAsync(server.WebSocketUri(token)));

        outage.End();
        // The retries back off to at most 2 s (ConnectionMaintenance): listed well within this deadline.
        await Eventually.TrueAsync(async () => (await server.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "ready once listed");
        Assert.True(gateway.IsListed);
        Assert.Null(gateway.NotReadyReason);
        await using var client = await server.ConnectWithTokenAsync(token);
    }

    /// <summary>Refuses <see cref="IGatewayDirectoryGrain.Register"/> until <see cref="End"/>, as an unreachable directory would.</summary>
    private sealed class DirectoryOutage : IIncomingGrainCallFilter
    {
        private volatile bool _over;
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public void End() => _over = true;

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (!_over && context.InterfaceMethod?.DeclaringType == typeof(IGatewayDirectoryGrain)
                && context.InterfaceMethod.Name == nameof(IGatewayDirectoryGrain.Register))
            {
                Interlocked.Increment(ref _refused);
                throw new TimeoutException("the gateway directory is unreachable (test outage)");
            }

            return context.Invoke();
        }
    }
}
