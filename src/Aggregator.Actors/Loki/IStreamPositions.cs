using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Loki;

/// <summary>Where a stream's shipped lines end, as the store itself knows it: what a fresh aggregator resumes from, with no disk of its own.</summary>
public interface IStreamPositions
{
    /// <summary>
    /// The timestamp of the newest entry stored for <paramref name="labels"/> in [<paramref name="fromNanos"/>,
    /// <paramref name="toNanos"/>), or null when there is none. Throws when the store cannot answer.
    /// </summary>
    Task<long?> NewestTimestampAsync(LabelSet labels, long fromNanos, long toNanos, CancellationToken cancellationToken);
}
