using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using OrleansChat.Gateway.Security;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Deploy;

namespace OrleansChat.Tests.Protocol;

/// <summary>
/// docs/protocol.md against the closed sets the code reads and writes: every frame type and body kind is documented
/// there, and everything documented there exists. A frame added without its documentation (or documentation left
/// behind by a removed frame) fails here, not in a client developer's hands.
/// </summary>
public sealed partial class ProtocolDocumentationTests
{
    private static readonly string Protocol = File.ReadAllText(Path.Combine(Kustomize.RepositoryRoot(), "docs", "protocol.md"));

    [Fact]
    public void Every_client_frame_has_a_row_in_the_client_table_and_every_row_is_a_client_frame()
    {
        var table = TableRows(Section("## Client to server"));
        var frames = WireNames<ClientFrame>();
        Assert.Empty(frames.Except(table).Order().Select(t => $"{t}: no row in protocol.md's \"Client to server\" table"));
        Assert.Empty(table.Except(frames).Order().Select(t => $"{t}: in protocol.md's table but not a ClientFrame"));
    }

    [Fact]
    public void Every_client_frame_has_an_example_in_the_client_section()
    {
        var examples = QuotedTypes(Section("## Client to server"));
        Assert.Empty(WireNames<ClientFrame>().Except(examples).Order().Select(t => $"{t}: no JSON example in \"Client to server\""));
    }

    [Fact]
    public void Every_server_frame_has_an_example_and_every_example_is_a_frame()
    {
        var examples = QuotedTypes(Protocol);
        var frames = WireNames<ServerFrame>();
        Assert.Empty(frames.Except(examples).Order().Select(t => $"{t}: no JSON example in protocol.md"));
        string[] sessionFrames = [HelloFrame.Type]; // below protocol v1: the encrypted session's handshake
        Assert.Empty(examples.Except(frames).Except(WireNames<ClientFrame>()).Except(sessionFrames).Order()
            .Select(t => $"{t}: shown in protocol.md but not a frame of the protocol"));
    }

    [Fact]
    public void Every_body_kind_is_documented()
    {
        var kinds = QuotedKinds(Protocol);
        Assert.Empty(WireNames<MessageBody>().Except(kinds).Order().Select(k => $"{k}: no body of this kind in protocol.md"));
    }

    /// <summary>The discriminators of a closed set, as <see cref="JsonDerivedTypeAttribute"/> names them.</summary>
    private static HashSet<string> WireNames<T>() =>
        typeof(T).GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => (string)a.TypeDiscriminator!).ToHashSet(StringComparer.Ordinal);

    /// <summary>From a "## " heading to the next one.</summary>
    private static string Section(string heading)
    {
        var start = Protocol.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"protocol.md has a \"{heading}\" section");
        var end = Protocol.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return Protocol[start..(end < 0 ? Protocol.Length : end)];
    }

    private static HashSet<string> TableRows(string section) =>
        TableRow().Matches(section).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> QuotedTypes(string text) =>
        QuotedType().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> QuotedKinds(string text) =>
        QuotedKind().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^\| `([a-z][a-z.]*)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"""type"":\s*""([a-z][a-z.]*)""")]
    private static partial Regex QuotedType();

    [GeneratedRegex(@"""kind"":\s*""([a-z]+)""")]
    private static partial Regex QuotedKind();
}
