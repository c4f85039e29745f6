using Aggregator.Simulation.Loki;
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
}
