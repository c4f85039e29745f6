using System.Text;

namespace Aggregator.Actors.Pipeline;

/// <summary>One log line on its way to Loki, stamped with the kubelet's timestamp in Unix nanoseconds.</summary>
/// <param name="Stream">The container stream the line belongs to; shared by every entry of that stream.</param>
/// <param name="TimestampNanos">The kubelet's timestamp of the line, never the time it was read.</param>
/// <param name="Utf8">
/// The line without its timestamp prefix and newline, as valid UTF-8: the bytes the kubelet sent, kept from the read
/// to the push body without becoming a string (usually a slice of the block one read was copied into).
/// </param>
public readonly record struct LogEntry(LogStream Stream, long TimestampNanos, ReadOnlyMemory<byte> Utf8)
{
    // The entry itself as it sits in the lists and arrays that carry it.
    private const int EntryBytes = 32;

    /// <summary>An entry of this text (encoded here; the read path never builds strings).</summary>
    public LogEntry(LogStream stream, long timestampNanos, string line)
        : this(stream, timestampNanos, Encoding.UTF8.GetBytes(line))
    {
    }

    /// <summary>The line as text, decoded on each call: for reports and tests, not for the per-line path.</summary>
    public string Line => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>What the entry costs while it waits: its line's bytes plus the entry itself.</summary>
    public long Weight => Utf8.Length + EntryBytes;

    /// <summary>Same stream, timestamp and line bytes (wherever the bytes are kept).</summary>
    public bool Equals(LogEntry other) =>
        EqualityComparer<LogStream>.Default.Equals(Stream, other.Stream)
        && TimestampNanos == other.TimestampNanos
        && Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override int GetHashCode() => HashCode.Combine(Stream, TimestampNanos, Utf8.Length);
}
