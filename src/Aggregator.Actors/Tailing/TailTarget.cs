using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Tailing;

/// <summary>One container instance to tail: its stream, the runtime's ID of the instance, and its Loki labels.</summary>
public sealed record TailTarget(StreamKey Stream, string ContainerId, LabelSet Labels)
{
    /// <summary>Pod labels that the label-name limit left out of <see cref="Labels"/>.</summary>
    public IReadOnlyList<string> DroppedLabels { get; init; } = [];

    /// <summary>
    /// The tail's address, the same wherever it runs (a later mode shards tails by it): the stream plus the
    /// instance, since a restarted container is a new instance with a new log.
    /// </summary>
    public string TailId => $"{Stream.Namespace}_{Stream.Pod}_{Stream.Container}_{ShortId(ContainerId)}";

    /// <summary>The first 12 hex digits of a runtime ID such as <c>containerd://3f2a…</c>, as kubectl shows it.</summary>
    public static string ShortId(string containerId)
    {
        var hex = containerId.AsSpan(containerId.IndexOf("://", StringComparison.Ordinal) + 1).TrimStart('/');
        return hex.Length > 12 ? hex[..12].ToString() : hex.ToString();
    }

    public override string ToString() => $"{Stream} ({ShortId(ContainerId)})";
}
