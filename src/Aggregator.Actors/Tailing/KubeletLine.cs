using System.Text;

namespace Aggregator.Actors.Tailing;

/// <summary>One line as the log endpoint sent it with <c>timestamps=true</c>, split into the kubelet timestamp and the text.</summary>
/// <param name="TimestampNanos">The kubelet's timestamp in Unix nanoseconds.</param>
/// <param name="Utf8">The text after the timestamp prefix, without the newline, as valid UTF-8.</param>
/// <param name="HadTimestamp">False when the line carried no timestamp prefix and borrowed the previous line's.</param>
public readonly record struct KubeletLine(long TimestampNanos, ReadOnlyMemory<byte> Utf8, bool HadTimestamp)
{
    /// <summary>A line of this text (encoded here; the reader itself never builds strings).</summary>
    public KubeletLine(long timestampNanos, string line, bool hadTimestamp)
        : this(timestampNanos, Encoding.UTF8.GetBytes(line), hadTimestamp)
    {
    }

    /// <summary>The text, decoded on each call: for tests and reports.</summary>
    public string Line => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>Same timestamp, text bytes and prefix (wherever the bytes are kept).</summary>
    public bool Equals(KubeletLine other) =>
        TimestampNanos == other.TimestampNanos && HadTimestamp == other.HadTimestamp && Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override int GetHashCode() => HashCode.Combine(TimestampNanos, Utf8.Length, HadTimestamp);
}
