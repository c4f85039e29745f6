namespace Aggregator.Simulation.Loki;

/// <summary>One log entry as the Loki double stored it; the timestamp is Unix nanoseconds, never a DateTime, to keep all nine digits.</summary>
public sealed record StoredEntry(long TimestampNanos, string Line, IReadOnlyDictionary<string, string>? StructuredMetadata = null);
