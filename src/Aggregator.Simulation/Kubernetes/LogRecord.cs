namespace Aggregator.Simulation.Kubernetes;

/// <summary>One line a container instance wrote, as the double stored it.</summary>
/// <param name="ContainerId">The instance that wrote it, e.g. <c>containerd://…</c>.</param>
/// <param name="TimestampNanos">The runtime's timestamp, Unix nanoseconds.</param>
/// <param name="Stream"><c>stdout</c> or <c>stderr</c>.</param>
/// <param name="Line">The whole line, without its newline.</param>
public sealed record LogRecord(string ContainerId, long TimestampNanos, string Stream, string Line);
