using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Loki;

/// <summary>Chunks of one or more streams that go to Loki in one push request, each stream's entries in read order.</summary>
public sealed class PushBatch
{
    private readonly List<LogChunk> _chunks;

    /// <summary>A batch of these chunks.</summary>
    public PushBatch(IEnumerable<LogChunk> chunks)
    {
        _chunks = [.. chunks];
        foreach (var chunk in _chunks)
        {
            Count += chunk.Count;
            Weight += chunk.Weight;
        }
    }

    /// <summary>A batch of these entries (consecutive entries of one stream become one chunk).</summary>
    public PushBatch(List<LogEntry> entries)
        : this(Consecutive(entries))
    {
    }

    /// <summary>The chunks, in the order they came.</summary>
    public IReadOnlyList<LogChunk> Chunks => _chunks;

    /// <summary>Entries in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>The batch's weight as the pipeline counts it (roughly its bytes in memory).</summary>
    public long Weight { get; private set; }

    /// <summary>Every entry, chunk after chunk; within one stream, in read order.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _chunks.SelectMany(c => c.Entries)];

    /// <summary>
    /// Loki has settled the batch: the pooled blocks its chunks hold go back to their pool, so nothing may read the
    /// entries afterwards. Only the pipeline calls this, once the pusher has answered.
    /// </summary>
    internal void Settled()
    {
        foreach (var chunk in _chunks)
        {
            chunk.Block?.Release();
        }
    }

    /// <summary>Appends a later batch's chunks; used while the pusher is busy, so that one request carries all that is ready.</summary>
    public PushBatch Append(IEnumerable<LogChunk> more)
    {
        foreach (var chunk in more)
        {
            _chunks.Add(chunk);
            Count += chunk.Count;
            Weight += chunk.Weight;
        }

        return this;
    }

    /// <summary>Appends entries (as chunks of consecutive entries of one stream).</summary>
    public PushBatch Append(IEnumerable<LogEntry> more) => Append(Consecutive([.. more]));

    /// <summary>The first and the second half of the entries, as two batches; a chunk is cut when the middle falls in it.</summary>
    public (PushBatch First, PushBatch Second) Split()
    {
        var half = Count / 2;
        var first = new List<LogChunk>();
        var second = new List<LogChunk>();
        var taken = 0;
        foreach (var chunk in _chunks)
        {
            if (taken >= half)
            {
                second.Add(chunk);
            }
            else if (taken + chunk.Count <= half)
            {
                first.Add(chunk);
            }
            else
            {
                var cut = half - taken;
                first.Add(new LogChunk(chunk.Stream, chunk.Entries.GetRange(0, cut)));
                second.Add(new LogChunk(chunk.Stream, chunk.Entries.GetRange(cut, chunk.Count - cut)));
            }

            taken += chunk.Count;
        }

        return (new PushBatch(first), new PushBatch(second));
    }

    /// <summary>The entries grouped per Loki stream, each group in read order; streams in order of first appearance.</summary>
    public IReadOnlyList<(LogStream Stream, StreamEntries Entries)> ByStream()
    {
        var groups = new List<(LogStream, StreamEntries)>();
        var index = new Dictionary<LogStream, int>(ReferenceEqualityComparer.Instance);
        var byLabels = new Dictionary<LabelSet, int>();
        foreach (var chunk in _chunks)
        {
            if (!index.TryGetValue(chunk.Stream, out var position))
            {
                // Two container instances of one container share a label set and so a Loki stream.
                if (!byLabels.TryGetValue(chunk.Stream.Labels, out position))
                {
                    position = groups.Count;
                    groups.Add((chunk.Stream, new StreamEntries()));
                    byLabels[chunk.Stream.Labels] = position;
                }

                index[chunk.Stream] = position;
            }

            groups[position].Item2.Add(chunk);
        }

        return groups;
    }

    private static List<LogChunk> Consecutive(List<LogEntry> entries)
    {
        var chunks = new List<LogChunk>();
        var start = 0;
        for (var i = 1; i <= entries.Count; i++)
        {
            if (i == entries.Count || !ReferenceEquals(entries[i].Stream, entries[start].Stream))
            {
                chunks.Add(new LogChunk(entries[start].Stream, entries.GetRange(start, i - start)));
                start = i;
            }
        }

        return chunks;
    }
}
