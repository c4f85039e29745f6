namespace Aggregator.Actors.Pipeline;

/// <summary>
/// Consecutive entries of one stream, read together: the unit that travels through the stream graph. Moving
/// chunks rather than single lines keeps the graph's per-element cost off the per-line path.
/// </summary>
public sealed class LogChunk
{
    public LogChunk(LogStream stream, List<LogEntry> entries)
    {
        Stream = stream;
        Entries = entries;
        long weight = 0;
        long utf8Bytes = 0;
        var oldest = long.MaxValue;
        foreach (var entry in entries)
        {
            weight += entry.Weight;
            utf8Bytes += entry.Utf8.Length;
            // A minimum, not the first entry's: a stream's stderr line can carry an earlier timestamp than the stdout line before it.
            oldest = Math.Min(oldest, entry.TimestampNanos);
        }

        Count = entries.Count;
        Weight = weight;
        Utf8Bytes = utf8Bytes;
        OldestTimestampNanos = oldest;
    }

    /// <summary>The stream every entry belongs to.</summary>
    public LogStream Stream { get; }

    /// <summary>The entries, in read order.</summary>
    public List<LogEntry> Entries { get; }

    /// <summary>Lines in the chunk; kept apart from <see cref="Entries"/>, whose pooled list is emptied once the chunk is settled.</summary>
    public int Count { get; }

    /// <summary>The pooled block the entries' bytes are in, when they are; given back once the chunk is settled.</summary>
    public LineBlock? Block { get; internal set; }

    /// <summary>The entries' weight together (about their bytes in memory).</summary>
    public long Weight { get; }

    /// <summary>The lines' UTF-8 bytes together, counted once here for what reports bytes read and shipped.</summary>
    public long Utf8Bytes { get; }

    /// <summary>The earliest kubelet timestamp among the entries (<see cref="long.MaxValue"/> for none): what the delivery lag is measured from.</summary>
    public long OldestTimestampNanos { get; }

    /// <summary>
    /// The chunk's share of one batch, which is <c>batchSize × batchMaxBytes</c>: its lines scaled by the byte
    /// limit, or its weight scaled by the line limit, whichever is more. Chunks whose costs add up to at most a
    /// batch therefore hold at most BATCH_SIZE lines and at most the byte limit together.
    /// </summary>
    public long Cost(int batchSize, long batchMaxBytes) => Math.Max(Count * batchMaxBytes, Weight * batchSize);

    /// <summary>
    /// Cuts entries into chunks of at most <paramref name="maxLines"/> lines and <paramref name="maxWeight"/> weight,
    /// added to <paramref name="chunks"/> (the reader's own list: a read allocates no list for them).
    /// </summary>
    public static void Cut(LogStream stream, List<LogEntry> entries, int maxLines, long maxWeight, List<LogChunk> chunks)
    {
        // Most reads fit one chunk: it takes the list as it is rather than a copy (and weighs it once).
        if (entries.Count <= maxLines && new LogChunk(stream, entries) is { } whole && whole.Weight <= maxWeight)
        {
            chunks.Add(whole);
            return;
        }

        var current = new List<LogEntry>(Math.Min(entries.Count, maxLines));
        long weight = 0;
        foreach (var entry in entries)
        {
            if (current.Count > 0 && (current.Count >= maxLines || weight + entry.Weight > maxWeight))
            {
                chunks.Add(new LogChunk(stream, current));
                current = new List<LogEntry>(Math.Min(entries.Count, maxLines));
                weight = 0;
            }

            current.Add(entry);
            weight += entry.Weight;
        }

        if (current.Count > 0)
        {
            chunks.Add(new LogChunk(stream, current));
        }
    }
}
