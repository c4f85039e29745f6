using Aggregator.Actors.Pipeline;
using Akka.Actor;

namespace Aggregator.Host;

/// <summary>The running aggregator's parts that outlive their creation: for status reports, health and shutdown.</summary>
public sealed class AggregatorRuntime(long budget)
{
    /// <summary>Totals of what was shipped.</summary>
    public ShippingCounters Counters { get; } = new();

    /// <summary>The memory budget of log data between reading and Loki's answer.</summary>
    public BufferBudget Budget { get; } = new(budget);

    /// <summary>The stream graph, once started.</summary>
    public LogPipeline? Pipeline { get; internal set; }

    /// <summary>The registry of tails, once started.</summary>
    public IActorRef Tails { get; internal set; } = ActorRefs.Nobody;

    /// <summary>One watcher per watched namespace (or one for all).</summary>
    public IReadOnlyList<IActorRef> Watchers { get; internal set; } = [];
}
