namespace Aggregator.Actors.Tailing;

/// <summary>One line as the log endpoint sent it with <c>timestamps=true</c>, split into the kubelet timestamp and the text.</summary>
/// <param name="TimestampNanos">The kubelet's timestamp in Unix nanoseconds.</param>
/// <param name="Line">The text after the timestamp prefix, without the newline.</param>
/// <param name="HadTimestamp">False when the line carried no timestamp prefix and borrowed the previous line's.</param>
public readonly record struct KubeletLine(long TimestampNanos, string Line, bool HadTimestamp);
