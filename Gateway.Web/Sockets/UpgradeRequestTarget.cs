using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Drops the request target (<c>/ws?access_token=…</c>) of an upgraded request, which lives as long as its socket.
/// Besides the request's own raw target, query string and parsed query, Kestrel's HTTP/1.1 connection keeps the
/// last target's strings in private fields to reuse them on the connection's next request, which an upgraded
/// connection never has: for a ~600-character token that is 2 × 1.2 KB per idle socket, and a credential kept in
/// memory for no use.
/// </summary>
public static class UpgradeRequestTarget
{
    /// <summary>Kestrel's reuse cache for the raw target and query string (Http1Connection, ASP.NET Core 10).</summary>
    private static readonly string[] ServerCacheFields = ["_parsedRawTarget", "_parsedQueryString"];

    private static readonly ConcurrentDictionary<Type, FieldInfo[]> FieldsByServerType = new();

    /// <summary>Forgets the target's query: the request keeps only its path, and so does the server's cache.</summary>
    public static void Forget(HttpContext context)
    {
        context.Request.QueryString = QueryString.Empty;
        context.Request.Query = QueryCollection.Empty;
        if (context.Features.Get<IHttpRequestFeature>() is { } request)
        {
            request.RawTarget = request.Path;
            ForgetServerCache(request);
        }
    }

    /// <summary>
    /// Clears the cache fields of the server object behind the request feature (Kestrel's connection implements the
    /// feature itself). A server without them (another server, or a Kestrel that renamed them) is left as it is:
    /// the cost is memory, not correctness; the end-to-end test <c>UpgradeRequestTargetTests</c> notices a rename.
    /// </summary>
    private static void ForgetServerCache(IHttpRequestFeature request)
    {
        foreach (var field in FieldsByServerType.GetOrAdd(request.GetType(), FindCacheFields))
        {
            field.SetValue(request, null);
        }
    }

    /// <summary>The cache's string fields, declared on the server type or any of its base types.</summary>
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

        return [.. found];
    }
}
