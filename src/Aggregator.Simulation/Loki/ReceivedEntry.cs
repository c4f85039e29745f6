namespace Aggregator.Simulation.Loki;

/// <summary>One entry of a push as it arrived: the labels string of its stream, as sent, and its timestamp.</summary>
public readonly record struct ReceivedEntry(string StreamLabels, long TimestampNanos);
