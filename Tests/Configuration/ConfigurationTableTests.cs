using System.Reflection;
using System.Text.RegularExpressions;
using OrleansChat.Gateway.Hosting;
using OrleansChat.Grains;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Silo;
using OrleansChat.Tests.Deploy;

namespace OrleansChat.Tests.Configuration;

/// <summary>
/// README.md's configuration table against the Options the code binds: every settable option (found by reflection
/// over the Options classes and their <c>SectionName</c>) has a row, and every row names a bound option.
/// </summary>
public class ConfigurationTableTests
{
    [Fact]
    public void Every_bound_option_has_a_row_in_the_README_table_and_every_row_names_one()
    {
        var options = BoundOptions.Keys();
        var rows = ReadmeTable.Keys(File.ReadAllText(Path.Combine(Kustomize.RepositoryRoot(), "README.md")));

        Assert.Empty(options.Except(rows, StringComparer.OrdinalIgnoreCase).Order().Select(k => $"{k}: no row in README.md's configuration table"));
        Assert.Empty(rows.Except(options, StringComparer.OrdinalIgnoreCase).Order().Select(k => $"{k}: in README.md's table but no Options class binds it"));
    }

    [Fact]
    public void The_check_catches_a_missing_row_and_a_row_that_names_nothing()
    {
        var options = BoundOptions.Keys();
        var table = "## Configuration\n\n| setting | default | meaning |\n|---|---|---|\n" +
            "| `Urls` | | where |\n| `Chat:MaxPageSize` / `MaxRoomsPerUser` | 100 / 200 | pages |\n| `Chat:NoSuchSetting` | | stale |\n\n## Next\n";
        var rows = ReadmeTable.Keys(table);

        Assert.Equal(["Chat:MaxPageSize", "Chat:MaxRoomsPerUser", "Chat:NoSuchSetting", "Urls"], rows.Order(StringComparer.Ordinal));
        Assert.Contains("Chat:SubscriptionExpiry", options.Except(rows, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(["Chat:NoSuchSetting"], rows.Except(options, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_options_class_names_its_section_SectionName()
    {
        var misnamed = BoundOptions.Assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .Select(t => t.FullName);

        Assert.Empty(misnamed);
        Assert.Contains(typeof(ChatOptions), BoundOptions.Classes());
        Assert.Contains(typeof(OrleansHostOptions), BoundOptions.Classes());
    }
}

/// <summary>The configuration keys the Options classes bind: <c>Section:Property</c>, nested option objects flattened.</summary>
internal static class BoundOptions
{
    public static readonly Assembly[] Assemblies =
        [typeof(GatewayApp).Assembly, typeof(ChatOptions).Assembly, typeof(OrleansHostOptions).Assembly, typeof(SiloCommands).Assembly];

    /// <summary>Keys read directly rather than through an Options class.</summary>
    private static readonly string[] RawKeys = ["Urls", SiloCommands.MigrationWaitSecondsKey];

    public static IEnumerable<Type> Classes() => Assemblies.SelectMany(a => a.GetTypes())
        .Where(t => t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true });

    public static HashSet<string> Keys()
    {
        var keys = new HashSet<string>(RawKeys, StringComparer.OrdinalIgnoreCase);
        foreach (var type in Classes())
        {
            var section = (string)type.GetField("SectionName")!.GetRawConstantValue()!;
            AddProperties(keys, section, type);
        }

        return keys;
    }

    private static void AddProperties(HashSet<string> keys, string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = prefix + ":" + property.Name;
            if (IsOptionObject(property.PropertyType))
            {
                AddProperties(keys, key, property.PropertyType);
            }
            else
            {
                keys.Add(key);
            }
        }
    }

    /// <summary>A nested class of ours (a sub-section such as <c>Cluster:FailureDetection</c>); lists and values are one option.</summary>
    private static bool IsOptionObject(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("OrleansChat.", StringComparison.Ordinal) == true;
}

/// <summary>The settings README.md's configuration table names: <c>`A:B` / `C`</c> in a first cell is A:B and A:C.</summary>
internal static partial class ReadmeTable
{
    public static HashSet<string> Keys(string readme)
    {
        var start = readme.IndexOf("## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has a \"## Configuration\" section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var firstCell = line.Split('|')[1];
            string? first = null;
            foreach (var name in Backticked().Matches(firstCell).Select(m => m.Groups[1].Value))
            {
                first ??= name;
                keys.Add(name.Contains(':', StringComparison.Ordinal) ? name : first[..(first.LastIndexOf(':') + 1)] + name);
            }
        }

        return keys;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
