using Aggregator.Actors.Discovery;
using Aggregator.Actors.Tailing;
using Akka.Actor;

namespace Aggregator.Actors.Sharding;

/// <summary>What the sharded tails of one member share.</summary>
/// <param name="Tail">The member's API, pipeline, settings and positions, as a local tail has them.</param>
/// <param name="Discovery">To rebuild a tail's target from its pod when it was started without a <see cref="StartTail"/>.</param>
/// <param name="Positions">The member's <see cref="ShippedPositions"/>, which a handed-off tail waits on.</param>
/// <param name="HandOffFlush">How long a handed-off tail waits for Loki to acknowledge what it read.</param>
/// <param name="Region">The tails' shard region, through which a tail handed off with its log still to read wakes itself at the shard's next home; null leaves that to the watchers' announcements.</param>
public sealed record TailEntityDependencies(
    TailDependencies Tail, DiscoverySettings Discovery, IActorRef Positions, TimeSpan HandOffFlush, Func<IActorRef>? Region = null);
