using Aggregator.Simulation.Loki;
using Google.Protobuf;
using Xunit;
using static Aggregator.Simulation.Tests.Loki.LokiRequests;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LokiDoubleHashesOnlyTests
{
    private static readonly Dictionary<string, string> AppA = new() { ["app"] = "a" };

    [Theory(Timeout = 30000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Both_modes_count_entries_and_keep_their_timestamps_and_line_hashes(bool keepLines)
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = keepLines });
        var ts = NowNanos;

        var (status, _) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts, "first"), (ts + 1, "second")]))));

        Assert.Equal(204, status);
        Assert.Equal(2, loki.EntryCount);
        Assert.Equal([(ts, LokiDouble.LineHash("first")), (ts + 1, LokiDouble.LineHash("second"))], loki.HashesOf(AppA));
    }

    [Fact(Timeout = 30000)]
    public async Task Without_lines_an_identical_resend_is_still_dropped_and_a_changed_line_is_not()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = false });
        var ts = NowNanos;
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts, "once"), (ts + 1, "other")]))));

        var (status, _) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts, "once"), (ts + 1, "other"), (ts, "same time, new line")]))));

        Assert.Equal(204, status);
        Assert.Equal(3, loki.EntryCount);
        Assert.Equal(2, loki.DuplicatesReceived);
    }

    [Fact(Timeout = 30000)]
    public async Task Without_lines_the_line_size_limit_and_label_checks_still_apply()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = false, MaxLineSizeBytes = 4 });

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "too long")]), ("{app=", [(NowNanos, "x")]))));

        Assert.Equal(400, status);
        Assert.Contains("Max entry size '4' bytes exceeded", body, StringComparison.Ordinal);
        Assert.Contains("Error parsing labels '{app='", body, StringComparison.Ordinal);
        Assert.Equal(0, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Without_lines_asking_for_lines_says_why_there_are_none()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = false });
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "x")]))));

        var entries = Assert.Throws<InvalidOperationException>(() => loki.EntriesOf(AppA));
        var streams = Assert.Throws<InvalidOperationException>(() => loki.Streams);

        Assert.Contains("KeepLines is false", entries.Message, StringComparison.Ordinal);
        Assert.Equal(entries.Message, streams.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Without_lines_the_body_is_read_to_the_same_entries_and_answers_as_with_lines()
    {
        // One clock for both doubles: "too old" names the oldest time accepted, to the second, and two clocks read a
        // moment apart can straddle a second.
        var clock = new FixedTime(DateTimeOffset.UtcNow);
        var ts = NanosOf(clock.GetUtcNow());
        var request = Push(
            ("{app=\"a\", pod=\"p\"}", [(ts, "plain"), (ts + 1, string.Empty), (ts + 2, "größe 😀 日本語"), (ts + 3, new string('x', 300))]),
            ("{app=\"a\", pod=\"q\"}", [(ts + 4, "other stream"), (ts - (8L * 24 * 3600 * 1_000_000_000), "too old")]),
            ("{app=", [(ts, "bad labels")]));
        request.Streams[0].Hash = 12345;
        request.Streams[0].Entries[0].StructuredMetadata.Add(new Aggregator.Simulation.Loki.Wire.LabelPairAdapter { Name = "trace_id", Value = "t1" });
        request.Streams[1].Entries.Add(new Aggregator.Simulation.Loki.Wire.EntryAdapter { Line = "no timestamp at all" });

        var answers = new List<(int, string, long, IReadOnlyList<(long, ulong)>)>();
        foreach (var keepLines in new[] { true, false })
        {
            await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = keepLines, MaxLineSizeBytes = 200, TimeProvider = clock });
            var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(request));
            answers.Add((status, body, loki.EntryCount, loki.HashesOf(AppA)));
        }

        Assert.Equal(400, answers[0].Item1);
        Assert.Equal(4, answers[0].Item3);
        Assert.Equal(answers[0].Item1, answers[1].Item1);
        Assert.Equal(answers[0].Item2, answers[1].Item2);
        Assert.Equal(answers[0].Item3, answers[1].Item3);
        Assert.Equal(answers[0].Item4, answers[1].Item4);
        Assert.Contains((ts + 2, LokiDouble.LineHash("größe 😀 日本語")), answers[1].Item4);
    }

    [Fact(Timeout = 30000)]
    public async Task Without_lines_a_corrupt_request_gets_the_same_answer_as_with_lines()
    {
        var whole = Push(("{app=\"a\"}", [(NowNanos, "a line long enough to cut")])).ToByteArray();
        var cut = whole[..^5];

        var answers = new List<(int, string)>();
        foreach (var keepLines in new[] { true, false })
        {
            await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = keepLines });
            var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(cut));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
            answers.Add(await PushAsync(loki.PushUri, content));
        }

        Assert.Equal(400, answers[0].Item1);
        Assert.StartsWith("proto: ", answers[0].Item2, StringComparison.Ordinal);
        Assert.Equal(answers[0], answers[1]);
    }

    [Fact]
    public void The_span_reader_reads_a_request_the_generated_classes_wrote_and_gives_up_on_a_cut_one()
    {
        var ts = NowNanos;
        var request = Push(("{app=\"a\"}", [(ts, "first"), (ts + 1, "größe")]), ("{app=\"b\"}", [(ts + 2, string.Empty)]));
        request.Streams[0].Hash = 7;
        var bytes = request.ToByteArray();

        var streams = PushRequestSpanReader.TryRead(bytes);

        Assert.NotNull(streams);
        Assert.Equal(["{app=\"a\"}", "{app=\"b\"}"], streams.Select(s => s.Labels));
        Assert.Equal(
            [new IncomingEntry(ts, 5, LokiDouble.LineHash("first"), null), new IncomingEntry(ts + 1, 7, LokiDouble.LineHash("größe"), null)],
            streams[0].Entries);
        Assert.Equal([new IncomingEntry(ts + 2, 0, LokiDouble.LineHash(string.Empty), null)], streams[1].Entries);
        Assert.Null(PushRequestSpanReader.TryRead(bytes.AsSpan(0, bytes.Length - 3)));
    }

    [Theory(Timeout = 30000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Resends_are_dropped_before_and_after_an_entry_arrives_out_of_order(bool keepLines)
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { KeepLines = keepLines });
        var ts = NowNanos;
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts, "a"), (ts, "b"), (ts + 10, "c")]))));
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts, "b"), (ts, "a"), (ts + 10, "c"), (ts + 10, "d")]))));
        Assert.Equal((4, 3), (loki.EntryCount, loki.DuplicatesReceived));

        // Out of order from here on: older than the newest entry, and new.
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts + 5, "e"), (ts + 5, "e"), (ts, "a"), (ts + 10, "d"), (ts + 11, "f")]))));
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts + 5, "e"), (ts + 11, "f"), (ts + 1, "g")]))));

        Assert.Equal((7, 8), (loki.EntryCount, loki.DuplicatesReceived));
        Assert.Equal(7, loki.HashesOf(AppA).Distinct().Count());
    }
}
