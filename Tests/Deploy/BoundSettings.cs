using System.Reflection;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Hosting;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Gateway.Security;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Grains.WeChat;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;
using OrleansChat.Silo;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// Which environment variables the two processes really read. A <c>Section__Key</c> variable is configuration
/// key <c>Section:Key</c>; it is accepted only if binding it (with its value) into the Options class the code
/// binds for that section succeeds with unknown keys treated as errors, so a misspelt or stale name fails.
/// </summary>
public static class BoundSettings
{
    /// <summary>Section → the Options class bound from it (the section names are the classes' own constants).</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [OrleansHostOptions.SectionName] = typeof(OrleansHostOptions),
        [StorageOptions.SectionName] = typeof(StorageOptions),
        [MessageLogOptions.SectionName] = typeof(MessageLogOptions),
        [MongoMessageLogOptions.SectionName] = typeof(MongoMessageLogOptions),
        [PostgresMessageLogOptions.SectionName] = typeof(PostgresMessageLogOptions),
        [GroupCommitOptions.SectionName] = typeof(GroupCommitOptions),
        [AuthOptions.SectionName] = typeof(AuthOptions),
        [SocketOptions.SectionName] = typeof(SocketOptions),
        [ProtocolOptions.SectionName] = typeof(ProtocolOptions),
        [ChatOptions.SectionName] = typeof(ChatOptions),
        [HealthOptions.SectionName] = typeof(HealthOptions),
        [ChatDashboardOptions.SectionName] = typeof(ChatDashboardOptions),
        [SecurityOptions.SectionName] = typeof(SecurityOptions),
        [WeChatOptions.SectionName] = typeof(WeChatOptions),
        [ForwardedHeadersSettings.SectionName] = typeof(ForwardedHeadersSettings),
        [Gateway.Media.MediaOptions.SectionName] = typeof(Gateway.Media.MediaOptions),
    };

    /// <summary>Read by the .NET runtime itself (GC configuration), not by our code.</summary>
    public static readonly IReadOnlySet<string> RuntimeVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "DOTNET_gcServer", "DOTNET_GCHeapHardLimitPercent",
    };

    /// <summary>Keys read directly rather than through an Options class.</summary>
    private static readonly HashSet<string> RawKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Urls", // ASP.NET Core host: where Kestrel listens
        SiloCommands.MigrationWaitSecondsKey,
    };

    /// <summary>The variables Orleans' Kubernetes hosting reads (its public constants), set through the downward API.</summary>
    public static readonly IReadOnlySet<string> KubernetesHostingVariables = typeof(KubernetesHostingOptions)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Returns a description of every variable in <paramref name="environment"/> the code would not read.</summary>
    public static IReadOnlyList<string> Unbound(IReadOnlyDictionary<string, string?> environment)
    {
        var problems = new List<string>();
        var bySection = new Dictionary<string, Dictionary<string, string?>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            var key = name.Replace("__", ":", StringComparison.Ordinal);
            if (KubernetesHostingVariables.Contains(name) || RuntimeVariables.Contains(name) || RawKeys.Contains(key))
            {
                continue;
            }

            var section = Sections.Keys.Where(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(s => s.Length);
            if (section is null)
            {
                problems.Add($"{name}: no Options section of the code is named like it");
                continue;
            }

            // A variable set from a fieldRef has no value here: it is checked by name only, below.
            (bySection.TryGetValue(section, out var keys) ? keys : bySection[section] = new(StringComparer.OrdinalIgnoreCase))[key] = value;
        }

        foreach (var (section, keys) in bySection)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys.Where(k => k.Value is not null)).Build();
            try
            {
                configuration.GetSection(section).Get(Sections[section], o => o.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{section}: {e.Message}");
            }

            problems.AddRange(keys.Where(k => k.Value is null && !IsProperty(Sections[section], k.Key[(section.Length + 1)..]))
                .Select(k => $"{k.Key}: not a property of {Sections[section].Name}"));
        }

        return problems;
    }

    private static bool IsProperty(Type type, string path)
    {
        foreach (var segment in path.Split(':'))
        {
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }
}
