namespace Aggregator.Actors.Pipeline;

/// <summary>A container's log stream as Loki sees it: the stream's identity and its label set.</summary>
public sealed class LogStream(StreamKey key, LabelSet labels)
{
    /// <summary>Which container the stream belongs to.</summary>
    public StreamKey Key { get; } = key;

    /// <summary>The Loki labels every entry of the stream carries.</summary>
    public LabelSet Labels { get; } = labels;

    /// <summary>A stable number for the label set, computed once, that spreads streams over the pipeline's lanes.</summary>
    public int LabelsHash { get; } = labels.GetHashCode() & int.MaxValue;

    public override string ToString() => $"{Key} {Labels}";
}
