namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// One record of the runtime's log file: a whole line, or a 16 KiB piece of a longer one
/// (the CRI "P" tag), which the kubelet prefixes with its own timestamp when asked for timestamps.
/// </summary>
internal sealed record LogChunk(long TimestampNanos, string Stream, byte[] Content, bool EndsLine);
