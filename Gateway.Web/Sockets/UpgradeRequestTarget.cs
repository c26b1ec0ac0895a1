using System.Reflection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Drops the request target (<c>/ws?access_token=…</c>) of an upgraded request, which lives as long as its socket.
/// Besides the request's own raw target, query string and parsed query, Kestrel's HTTP/1.1 connection keeps the
/// last target's strings in private fields to reuse them on the connection's next request, which an upgraded
/// connection never has: for a ~600-character token that is 2 × 1.2 KB per idle socket (2.4 KB of the ~26 KB an
/// idle connection costs, docs/performance.md "Idle memory, second pass"), and a credential kept in memory for no
/// use. No public API reaches that cache (<see cref="IHttpRequestFeature.RawTarget"/> is the request's copy only),
/// so the fields are cleared by reflection, and <see cref="RequireKestrelCache"/> makes a Kestrel that renamed them
/// fail the gateway's start instead of silently keeping every token.
/// </summary>
public static class UpgradeRequestTarget
{
    /// <summary>Kestrel's reuse cache for the raw target and query string (Http1Connection, ASP.NET Core 10).</summary>
    private static readonly string[] ServerCacheFields = ["_parsedRawTarget", "_parsedQueryString"];

    private const string Http1ConnectionType = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1Connection";

    private static readonly Lazy<(Type Connection, FieldInfo[] Fields)> KestrelCache = new(() =>
    {
        var connection = typeof(KestrelServerOptions).Assembly.GetType(Http1ConnectionType)
            ?? throw new InvalidOperationException($"Kestrel has no {Http1ConnectionType} any more: {nameof(UpgradeRequestTarget)} cannot drop the token it caches; update it for this ASP.NET Core version");
        return (connection, FindCacheFields(connection));
    });

    /// <summary>Called at start-up: throws when this Kestrel does not have the cache fields where they are cleared.</summary>
    public static void RequireKestrelCache() => _ = KestrelCache.Value;

    /// <summary>Forgets the target's query: the request keeps only its path, and so does Kestrel's cache.</summary>
    public static void Forget(HttpContext context)
    {
        context.Request.QueryString = QueryString.Empty;
        context.Request.Query = QueryCollection.Empty;
        if (context.Features.Get<IHttpRequestFeature>() is { } request)
        {
            request.RawTarget = request.Path;
            var (connection, fields) = KestrelCache.Value;
            if (connection.IsInstanceOfType(request)) // Kestrel's HTTP/1.1 connection is the request feature itself
            {
                Array.ForEach(fields, field => field.SetValue(request, null));
            }
        }
    }

    /// <summary>The cache's string fields on <paramref name="serverType"/> or its base types; throws unless all are there.</summary>
    public static FieldInfo[] FindCacheFields(Type serverType)
    {
        var found = new List<FieldInfo>();
        for (var type = serverType; type is not null; type = type.BaseType)
        {
            found.AddRange(ServerCacheFields
                .Select(name => type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                .OfType<FieldInfo>()
                .Where(field => field.FieldType == typeof(string)));
        }

        if (found.Count != ServerCacheFields.Length)
        {
            throw new InvalidOperationException(
                $"{serverType.FullName} does not have the string fields {string.Join(", ", ServerCacheFields)} (found {found.Count}): " +
                $"{nameof(UpgradeRequestTarget)} cannot drop the token Kestrel caches; update it for this ASP.NET Core version");
        }

        return [.. found];
    }
}
