namespace Aggregator.Actors.Pipeline;

/// <summary>One log line on its way to Loki, stamped with the kubelet's timestamp in Unix nanoseconds.</summary>
/// <param name="Stream">The container stream the line belongs to; shared by every entry of that stream.</param>
/// <param name="TimestampNanos">The kubelet's timestamp of the line, never the time it was read.</param>
/// <param name="Line">The line without its timestamp prefix and newline.</param>
public readonly record struct LogEntry(LogStream Stream, long TimestampNanos, string Line)
{
    /// <summary>What the entry costs in a batch: its line plus a fixed allowance for timestamp and framing.</summary>
    public long Weight => (Line.Length * 2L) + 16;
}
