using Aggregator.Simulation.Loki;
using Xunit;
using static Aggregator.Simulation.Tests.Loki.LokiRequests;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LokiDoubleLabelTests
{
    [Theory(Timeout = 30000)]
    [InlineData("{app.kubernetes.io/name=\"x\"}", "Error parsing labels '{app.kubernetes.io/name=\"x\"}' with error: 1:5: parse error: ")]
    [InlineData("{app=\"x\"", "Error parsing labels '{app=\"x\"' with error: 1:9: parse error: unexpected end of input inside braces")]
    [InlineData("{app=\"x\nnewline\"}", "Error parsing labels '{app=\"x\nnewline\"}' with error: 1:6: parse error: unterminated quoted string")]
    [InlineData("{app=\"bad \\q escape\"}", "Error parsing labels '{app=\"bad \\q escape\"}' with error: 1:11: parse error: unknown escape sequence U+0071 'q'")]
    [InlineData("{1app=\"x\"}", "Error parsing labels '{1app=\"x\"}' with error: 1:2: parse error: ")]
    [InlineData("{app=\"bad \uFFFD rune\"}", "with error: 1:11: parse error: invalid UTF-8 rune")]
    [InlineData("{}", "error at least one label pair is required per stream")]
    [InlineData("{app=\"\"}", "error at least one label pair is required per stream")]
    [InlineData("{a=\"1\", b=\"2\", a=\"3\"}", "stream '{a=\"1\", b=\"2\", a=\"3\"}' has duplicate label name: 'a'")]
    public async Task Invalid_labels_reject_the_stream_with_lokis_message(string labels, string expectedStart)
    {
        await using var loki = await LokiDouble.StartAsync();

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push((labels, [(NowNanos, "x"), (NowNanos, "y")]))));

        Assert.Equal(400, status);
        Assert.Contains(expectedStart, body, StringComparison.Ordinal);
        Assert.EndsWith("total ignored: 2 out of 2\n", body, StringComparison.Ordinal);
        Assert.Equal(0, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Too_many_label_names_and_too_long_names_or_values_are_rejected()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { MaxLabelNameLength = 5, MaxLabelValueLength = 5 });
        var sixteen = "{" + string.Join(", ", Enumerable.Range(0, 16).Select(i => $"l{i}=\"v\"")) + "}";

        var (_, tooMany) = await PushAsync(loki.PushUri, SnappyProtobuf(Push((sixteen, [(NowNanos, "x")]))));
        var (_, longName) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{abcdef=\"v\"}", [(NowNanos, "x")]))));
        var (_, longValue) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{a=\"abcdef\"}", [(NowNanos, "x")]))));

        Assert.StartsWith($"entry for stream '{sixteen}' has 16 label names; limit 15,\n", tooMany, StringComparison.Ordinal);
        Assert.StartsWith("stream '{abcdef=\"v\"}' has label name too long: 'abcdef',\n", longName, StringComparison.Ordinal);
        Assert.StartsWith("stream '{a=\"abcdef\"}' has label value too long: 'abcdef',\n", longValue, StringComparison.Ordinal);
        Assert.Equal(0, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Service_name_does_not_count_towards_the_label_name_limit()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { MaxLabelNamesPerSeries = 2 });

        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{a=\"1\", b=\"2\", service_name=\"s\"}", [(NowNanos, "x")]))))).Status);
        Assert.Equal(400, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{a=\"1\", b=\"2\", c=\"3\"}", [(NowNanos, "x")]))))).Status);
    }

    [Fact(Timeout = 30000)]
    public async Task Names_starting_with_two_underscores_are_accepted_as_loki_does()
    {
        await using var loki = await LokiDouble.StartAsync();

        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{__reserved__=\"x\", app=\"a\"}", [(NowNanos, "x")]))))).Status);
        Assert.Equal("x", Assert.Single(loki.Streams).Labels["__reserved__"]);
    }

    [Fact(Timeout = 30000)]
    public async Task Escaped_values_round_trip_and_labels_are_sorted_with_empty_values_dropped()
    {
        await using var loki = await LokiDouble.StartAsync();
        const string labels = "{z=\"last\", quote=\"say \\\"hi\\\"\", path=\"C:\\\\temp\", multi=\"a\\nb\\tc\\rd\", ctl=\"\\u0001\", text=\"Grüße 日本 😀\", gone=\"\",}";

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push((labels, [(NowNanos, "x")]))));

        Assert.Equal((204, string.Empty), (status, body));
        var stream = Assert.Single(loki.Streams);
        Assert.Equal("say \"hi\"", stream.Labels["quote"]);
        Assert.Equal("C:\\temp", stream.Labels["path"]);
        Assert.Equal("a\nb\tc\rd", stream.Labels["multi"]);
        Assert.Equal("\u0001", stream.Labels["ctl"]);
        Assert.Equal("Grüße 日本 😀", stream.Labels["text"]);
        Assert.False(stream.Labels.ContainsKey("gone"));
        Assert.Equal(
            "{ctl=\"\\x01\",multi=\"a\\nb\\tc\\rd\",path=\"C:\\\\temp\",quote=\"say \\\"hi\\\"\",text=\"Grüße 日本 😀\",z=\"last\"}",
            stream.LabelString);

        // The same set written differently is the same stream.
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push((stream.LabelString, [(NowNanos, "y")]))))).Status);
        Assert.Equal(2, Assert.Single(loki.Streams).Entries.Count);
    }

    [Fact(Timeout = 30000)]
    public async Task A_bad_stream_does_not_stop_the_other_streams_of_the_request()
    {
        await using var loki = await LokiDouble.StartAsync();

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(
            ("{bad-name=\"x\"}", [(NowNanos, "lost"), (NowNanos, "lost too")]),
            ("{app=\"a\"}", [(NowNanos, "kept")]))));

        Assert.Equal(400, status);
        Assert.EndsWith("user 'fake', total ignored: 2 out of 3\n", body, StringComparison.Ordinal);
        Assert.Equal("kept", Assert.Single(Assert.Single(loki.Streams).Entries).Line);
    }
}
