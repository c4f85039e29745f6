using Aggregator.Actors.Loki;

namespace Aggregator.Actors.Sharding;

/// <summary>The newest timestamp Loki has settled (stored or refused for good) per stream, from one or more push batches.</summary>
/// <param name="Newest">Rendered label set to the newest settled timestamp in nanoseconds.</param>
public sealed record StreamsShipped(IReadOnlyDictionary<string, long> Newest)
{
    /// <summary>The newest timestamp of every stream in <paramref name="batch"/>.</summary>
    public static StreamsShipped From(PushBatch batch)
    {
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in batch.Chunks)
        {
            var key = chunk.Stream.Labels.Rendered;
            var max = newest.TryGetValue(key, out var known) ? known : long.MinValue;
            foreach (var entry in chunk.Entries)
            {
                max = Math.Max(max, entry.TimestampNanos);
            }

            newest[key] = max;
        }

        return new StreamsShipped(newest);
    }
}

/// <summary>
/// Asks to be answered (with <see cref="ShippedUpTo"/>) once the stream's settled position has reached
/// <paramref name="TimestampNanos"/> and is replicated to a majority, or once <paramref name="Within"/> has passed.
/// </summary>
public sealed record AwaitShipped(string Labels, long TimestampNanos, TimeSpan Within);

/// <summary>The answer to <see cref="AwaitShipped"/>: whether the position got there and was replicated in time.</summary>
public sealed record ShippedUpTo(bool Reached);
