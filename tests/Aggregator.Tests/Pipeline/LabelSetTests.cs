using System.Text;
using Aggregator.Actors.Pipeline;
using Aggregator.Simulation.Loki;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class LabelSetTests
{
    private static LabelSet Of(params (string Name, string? Value)[] labels) =>
        LabelSet.Create(labels.Select(l => new KeyValuePair<string, string?>(l.Name, l.Value)));

    private static string Quoted(string value)
    {
        var builder = new StringBuilder();
        LabelSet.AppendQuoted(builder, value);
        return builder.ToString();
    }

    [Theory]
    [InlineData("app", "app")]
    [InlineData("app.kubernetes.io/name", "app_kubernetes_io_name")]
    [InlineData("helm.sh/chart", "helm_sh_chart")]
    [InlineData("my-label", "my_label")]
    [InlineData("Mixed_Case9", "Mixed_Case9")]
    [InlineData("9lives", "_9lives")]
    [InlineData("__name__", "_name__")]
    [InlineData("___x", "_x")]
    [InlineData("_x", "_x")]
    [InlineData("_", "_")]
    [InlineData("__", "_")]
    [InlineData("é", "_")]
    [InlineData("", "")]
    public void Names_are_sanitised_into_valid_unreserved_loki_names(string name, string sanitised)
    {
        Assert.Equal(sanitised, LabelSet.SanitiseName(name));
    }

    [Fact]
    public void Labels_are_sorted_by_name_and_rendered_in_loki_syntax()
    {
        var labels = Of(("pod", "web-0"), ("app.kubernetes.io/name", "web"), ("namespace", "prod"), ("container", "app"));

        Assert.Equal("{app_kubernetes_io_name=\"web\",container=\"app\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
        Assert.Equal(["app_kubernetes_io_name", "container", "namespace", "pod"], labels.Labels.Select(l => l.Key));
        Assert.Equal(labels.Rendered, labels.ToString());
    }

    [Fact]
    public void Empty_and_null_values_are_dropped()
    {
        var labels = Of(("namespace", "prod"), ("app", string.Empty), ("cluster", null));

        Assert.Equal("{namespace=\"prod\"}", labels.Rendered);
        Assert.Single(labels.Labels);
    }

    [Fact]
    public void A_set_without_any_value_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Of(("app", string.Empty), ("cluster", null)));
    }

    [Fact]
    public void The_first_of_two_names_that_sanitise_alike_wins()
    {
        var labels = Of(("app.name", "first"), ("app_name", "second"), ("app-name", "third"));

        Assert.Equal("{app_name=\"first\"}", labels.Rendered);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("C:\\path", "\"C:\\\\path\"")]
    [InlineData("a\nb", "\"a\\nb\"")]
    [InlineData("a\rb", "\"a\\rb\"")]
    [InlineData("a\tb", "\"a\\tb\"")]
    [InlineData("a\u0000b", "\"a\\u0000b\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    [InlineData("esc\u001b[0m", "\"esc\\u001b[0m\"")]
    [InlineData("del\u007f", "\"del\\u007f\"")]
    [InlineData("größe", "\"größe\"")]
    [InlineData("日本", "\"日本\"")]
    [InlineData("emoji 😀", "\"emoji 😀\"")]
    public void Values_are_quoted_with_go_escapes(string value, string quoted)
    {
        Assert.Equal(quoted, Quoted(value));
    }

    [Fact]
    public void A_lone_surrogate_is_never_written_as_invalid_utf16()
    {
        Assert.Equal("\"a\\ufffdb\"", Quoted("a\uD800b"));
        Assert.Equal("\"a\\ufffd\"", Quoted("a\uDC00"));
        Assert.Equal("\"\\ufffd\"", Quoted("\uD83D"));
    }

    [Fact]
    public void Equal_label_sets_are_equal_and_hash_alike_whatever_the_input_order()
    {
        var a = Of(("namespace", "prod"), ("pod", "web-0"), ("app", string.Empty));
        var b = Of(("pod", "web-0"), ("namespace", "prod"));
        var c = Of(("pod", "web-1"), ("namespace", "prod"));

        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Equals(c));
        Assert.False(a.Equals(null));
        Assert.Single(new HashSet<LabelSet> { a, b });
    }

    [Fact]
    public void Loki_s_parser_reads_the_rendered_labels_back_into_exactly_the_same_pairs()
    {
        var labels = Of(
            ("namespace", "prod"),
            ("pod", "web-7d9f"),
            ("app.kubernetes.io/name", "web"),
            ("quote", "say \"hi\""),
            ("backslash", "C:\\dir\\"),
            ("newline", "line1\nline2\r\n"),
            ("tab", "a\tb"),
            ("control", "nul\u0000 bell\u0007 esc\u001b del\u007f"),
            ("unicode", "größe 日本 emoji 😀 ✓"),
            ("spaces", "  padded  "),
            ("braces", "{a=\"b\",c}"));

        var parsed = LabelSetParser.Parse(labels.Rendered);

        Assert.Equal(labels.Labels, parsed);
        Assert.Equal(parsed, LabelSetParser.Normalise(parsed));
    }

    [Fact]
    public void Loki_s_parser_accepts_a_value_that_held_a_lone_surrogate()
    {
        var labels = Of(("namespace", "prod"), ("odd", "a\uD800b"));

        var parsed = LabelSetParser.Parse(labels.Rendered);

        Assert.Equal([new("namespace", "prod"), new("odd", "a\uFFFDb")], parsed);
    }
}
