using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Snappier;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;
using WirePushRequest = Aggregator.Simulation.Loki.Wire.PushRequest;

namespace Aggregator.Tests.Loki;

public sealed class PushEncoderTests
{
    private static WirePushRequest Decode(PushBatch batch) =>
        WirePushRequest.Parser.ParseFrom(Snappy.DecompressToArray(PushEncoder.Encode(batch)));

    [Fact]
    public void The_body_is_snappy_block_compressed_protobuf_that_loki_s_schema_reads()
    {
        var web = Stream("web-0");
        var batch = Batch((web, 1_795_614_119_034_086_826L, "hello"), (web, 1_795_614_119_034_086_827L, "world"));

        var request = Decode(batch);

        var stream = Assert.Single(request.Streams);
        Assert.Equal("{container=\"app\",namespace=\"prod\",pod=\"web-0\"}", stream.Labels);
        Assert.Equal(0UL, stream.Hash);
        Assert.Equal(["hello", "world"], stream.Entries.Select(e => e.Line));
        Assert.Equal(1_795_614_119L, stream.Entries[0].Timestamp.Seconds);
        Assert.Equal(34_086_826, stream.Entries[0].Timestamp.Nanos);
        Assert.Equal(34_086_827, stream.Entries[1].Timestamp.Nanos);
        Assert.All(stream.Entries, e => Assert.Empty(e.StructuredMetadata));
        Assert.Equal("application/x-protobuf", PushEncoder.ContentType);
    }

    [Fact]
    public void Entries_are_grouped_per_stream_in_order_of_first_appearance_keeping_read_order()
    {
        var web = Stream("web-0");
        var api = Stream("api-0");
        var batch = Batch(
            (web, 3_000_000_001L, "w1"), (api, 1_000_000_000L, "a1"), (web, 2_000_000_002L, "w2"),
            (api, 1_000_000_000L, "a2"), (web, 1_000_000_003L, "w3"));

        var request = Decode(batch);

        Assert.Equal([web.Labels.Rendered, api.Labels.Rendered], request.Streams.Select(s => s.Labels));
        Assert.Equal(["w1", "w2", "w3"], request.Streams[0].Entries.Select(e => e.Line));
        Assert.Equal(["a1", "a2"], request.Streams[1].Entries.Select(e => e.Line));
        Assert.Equal(
            [(3L, 1), (2L, 2), (1L, 3)],
            request.Streams[0].Entries.Select(e => (e.Timestamp.Seconds, e.Timestamp.Nanos)));
    }

    [Fact]
    public void Two_container_instances_with_one_label_set_share_one_loki_stream()
    {
        var before = Stream("web-0");
        var after = Stream("web-0");
        Assert.NotSame(before, after);

        var request = Decode(Batch((before, 1, "old instance"), (after, 2, "new instance"), (before, 3, "old again")));

        var stream = Assert.Single(request.Streams);
        Assert.Equal(["old instance", "new instance", "old again"], stream.Entries.Select(e => e.Line));
    }

    [Fact]
    public void Lines_with_unicode_and_control_characters_arrive_unchanged()
    {
        var web = Stream("web-0");
        const string line = "größe 😀 \t tab \u001b[31mred\u001b[0m \"quoted\" \\ back";

        var request = Decode(Batch((web, 5, line), (web, 6, string.Empty)));

        Assert.Equal([line, string.Empty], request.Streams[0].Entries.Select(e => e.Line));
    }

    [Fact]
    public void ToRequest_and_Encode_agree()
    {
        var web = Stream("web-0");
        var batch = Batch((web, 1_795_614_119_034_086_826L, "x"));

        Assert.Equal(
            PushEncoder.ToRequest(batch).ToString(),
            WirePushRequest.Parser.ParseFrom(Snappy.DecompressToArray(PushEncoder.Encode(batch))).ToString());
    }

    [Theory]
    [InlineData(1_795_614_119_034_086_826L, 1_795_614_119L, 34_086_826)]
    [InlineData(0L, 0L, 0)]
    [InlineData(1L, 0L, 1)]
    [InlineData(999_999_999L, 0L, 999_999_999)]
    [InlineData(1_000_000_000L, 1L, 0)]
    [InlineData(-1L, -1L, 999_999_999)]
    [InlineData(-999_999_999L, -1L, 1)]
    [InlineData(-1_000_000_000L, -1L, 0)]
    [InlineData(-1_000_000_001L, -2L, 999_999_999)]
    [InlineData(long.MaxValue, 9_223_372_036L, 854_775_807)]
    [InlineData(long.MinValue, -9_223_372_037L, 145_224_192)]
    public void ToTimestamp_splits_nanoseconds_into_seconds_and_non_negative_nanos(long unixNanos, long seconds, int nanos)
    {
        var timestamp = PushEncoder.ToTimestamp(unixNanos);

        Assert.Equal(seconds, timestamp.Seconds);
        Assert.Equal(nanos, timestamp.Nanos);
    }
}
