using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Google.Protobuf;
using Xunit;

namespace Aggregator.Tests.Loki;

public sealed class PushRequestWriterTests
{
    private static LogStream Stream(string pod, string? extra = null) =>
        new(new StreamKey("prod", pod, "app"),
            LabelSet.Create([new("namespace", "prod"), new("pod", pod), new("container", "app"), new("team", extra)]));

    public static TheoryData<string> Batches => ["plain", "edges", "several streams", "empty"];

    private static PushBatch Batch(string name)
    {
        var web = Stream("web-0");
        var api = Stream("api-0", "pay \"ments\"\n夜");
        return name switch
        {
            "plain" => new PushBatch([.. Enumerable.Range(0, 50).Select(i => new LogEntry(web, 1_795_614_119_034_086_826L + i, $"line {i}"))]),
            "edges" => new PushBatch(
            [
                new LogEntry(web, 0, "at the epoch"),
                new LogEntry(web, 1_000_000_000, "a whole second, no nanos"),
                new LogEntry(web, 999_999_999, "no seconds, only nanos"),
                new LogEntry(web, -1, "just before the epoch"),
                new LogEntry(web, -1_500_000_000, "long before"),
                new LogEntry(web, long.MaxValue, "far future"),
                new LogEntry(web, 1_795_614_119_000_000_000L, string.Empty),
                new LogEntry(web, 1_795_614_119_000_000_001L, "non-ASCII: é € 夜 🚀"),
                new LogEntry(web, 1_795_614_119_000_000_002L, "a lone surrogate \uD800 here"),
                new LogEntry(web, 1_795_614_119_000_000_003L, new string('x', 20_000)),
            ]),
            "several streams" => new PushBatch(
            [
                new LogEntry(web, 10, "a"), new LogEntry(api, 11, "b"), new LogEntry(web, 12, "c"),
                new LogEntry(Stream("web-0"), 13, "same labels, another instance"),
            ]),
            _ => new PushBatch(new List<LogEntry>()),
        };
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void The_written_bytes_are_exactly_what_the_generated_classes_write(string name)
    {
        var batch = Batch(name);

        var (buffer, length) = PushRequestWriter.Write(batch);

        Assert.Equal(PushEncoder.ToRequest(batch).ToByteArray(), buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void Lokis_own_schema_reads_the_written_request_back()
    {
        var batch = Batch("several streams");
        var (buffer, length) = PushRequestWriter.Write(batch);

        var parsed = Aggregator.Simulation.Loki.Wire.PushRequest.Parser.ParseFrom(buffer, 0, length);

        Assert.Equal(2, parsed.Streams.Count);
        Assert.Equal(["a", "c", "same labels, another instance"], parsed.Streams[0].Entries.Select(e => e.Line));
        Assert.Equal(13, parsed.Streams[0].Entries[2].Timestamp.Nanos);
    }
}
