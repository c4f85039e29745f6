using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;

namespace Aggregator.Tests.Loki;

internal static class LokiTestData
{
    public static LogStream Stream(string pod, string container = "app") =>
        new(new StreamKey("prod", pod, container),
            LabelSet.Create([new("namespace", "prod"), new("pod", pod), new("container", container)]));

    /// <summary>One chunk of pod-1's stream holding these lines, a nanosecond apart.</summary>
    public static LogChunk Chunk(params string[] lines) => Chunk(Stream("pod-1"), lines);

    /// <summary>One chunk of <paramref name="stream"/> holding these lines, a nanosecond apart.</summary>
    public static LogChunk Chunk(LogStream stream, params string[] lines) =>
        new(stream, [.. lines.Select((line, i) => new LogEntry(stream, 1_795_614_119_000_000_000L + i, line))]);

    /// <summary>The chunks' lines, in order.</summary>
    public static List<string> LinesOf(IEnumerable<LogChunk> chunks) => [.. chunks.SelectMany(c => c.Entries).Select(e => e.Line)];

    public static PushBatch Batch(params (LogStream Stream, long Nanos, string Line)[] entries) =>
        new([.. entries.Select(e => new LogEntry(e.Stream, e.Nanos, e.Line))]);

    /// <summary><paramref name="count"/> lines of one pod's stream, as one chunk: <c>{pod} line {i}</c>.</summary>
    public static PushBatch Lines(string pod, int count)
    {
        var stream = Stream(pod);
        return Batch([.. Enumerable.Range(0, count).Select(i => (stream, 1_795_614_119_000_000_000L + i, $"{pod} line {i}"))]);
    }
}
