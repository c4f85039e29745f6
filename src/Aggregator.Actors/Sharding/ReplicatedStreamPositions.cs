using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.DistributedData;

namespace Aggregator.Actors.Sharding;

/// <summary>
/// Where a tail that starts on this member resumes: the position the cluster replicated from Loki's
/// acknowledgements (read from a majority, so that a majority write by the previous owner is seen), else what
/// Loki itself says when <paramref name="loki"/> is given.
/// </summary>
public sealed class ReplicatedStreamPositions(IActorRef replicator, IStreamPositions? loki) : IStreamPositions
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    public async Task<long?> NewestTimestampAsync(LabelSet labels, long fromNanos, long toNanos, CancellationToken cancellationToken)
    {
        var key = ShippedPositions.KeyOf(labels.Rendered);
        var replicated = await ReadAsync(key, new ReadMajority(ReadTimeout), cancellationToken).ConfigureAwait(false)
            ?? await ReadAsync(key, ReadLocal.Instance, cancellationToken).ConfigureAwait(false);
        // Only a position inside this instance's lifetime belongs to it: the stream's labels are shared with the
        // container's other instances, as Loki's are.
        if (replicated is { } map && map.TryGetValue(labels.Rendered, out var newest) && newest >= fromNanos && newest < toNanos)
        {
            return newest;
        }

        return loki is null ? null : await loki.NewestTimestampAsync(labels, fromNanos, toNanos, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LWWDictionary<string, long>?> ReadAsync(
        LWWDictionaryKey<string, long> key, IReadConsistency consistency, CancellationToken cancellationToken)
    {
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, consistency), ReadTimeout + TimeSpan.FromSeconds(1), cancellationToken)
            .ConfigureAwait(false);
        return response switch
        {
            GetSuccess success => success.Get(key),
            NotFound => LWWDictionary<string, long>.Empty,
            _ => null,
        };
    }
}
