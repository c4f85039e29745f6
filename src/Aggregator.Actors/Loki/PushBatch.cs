using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Loki;

/// <summary>Entries of one or more streams that go to Loki in one push request, in the order they were read.</summary>
public sealed class PushBatch(List<LogEntry> entries)
{
    /// <summary>The entries; within one stream, in read order.</summary>
    public IReadOnlyList<LogEntry> Entries => entries;

    /// <summary>The batch's weight as the pipeline counts it (roughly its bytes in memory).</summary>
    public long Weight { get; private set; } = Sum(entries);

    /// <summary>Appends a later batch; used while the pusher is busy, so that one request carries all that is ready.</summary>
    public PushBatch Append(IEnumerable<LogEntry> more)
    {
        foreach (var entry in more)
        {
            entries.Add(entry);
            Weight += entry.Weight;
        }

        return this;
    }

    /// <summary>The first and the second half of the entries, as two batches.</summary>
    public (PushBatch First, PushBatch Second) Split()
    {
        var half = entries.Count / 2;
        return (new PushBatch(entries.GetRange(0, half)), new PushBatch(entries.GetRange(half, entries.Count - half)));
    }

    /// <summary>The entries grouped per stream, each group in read order; streams in order of first appearance.</summary>
    public IReadOnlyList<(LogStream Stream, List<LogEntry> Entries)> ByStream()
    {
        var groups = new List<(LogStream, List<LogEntry>)>();
        var index = new Dictionary<LogStream, int>(ReferenceEqualityComparer.Instance);
        var byLabels = new Dictionary<LabelSet, int>();
        foreach (var entry in entries)
        {
            if (!index.TryGetValue(entry.Stream, out var position))
            {
                // Two container instances of one container share a label set and so a Loki stream.
                if (!byLabels.TryGetValue(entry.Stream.Labels, out position))
                {
                    position = groups.Count;
                    groups.Add((entry.Stream, []));
                    byLabels[entry.Stream.Labels] = position;
                }

                index[entry.Stream] = position;
            }

            groups[position].Item2.Add(entry);
        }

        return groups;
    }

    private static long Sum(List<LogEntry> entries)
    {
        long weight = 0;
        foreach (var entry in entries)
        {
            weight += entry.Weight;
        }

        return weight;
    }
}
