using Akka.Cluster.Sharding;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// Routes tail messages to their sharding entity by <see cref="ITailMessage.TailId"/>, so that a container
/// instance has one tail in the whole cluster, whichever member's watcher asked for it.
/// </summary>
/// <param name="maxShards">Shards to spread the tails over; ten per expected member is plenty.</param>
public sealed class TailMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message is ITailMessage tail ? tail.TailId : null;
}
