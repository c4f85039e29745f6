using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Prometheus;

namespace Aggregator.Host;

/// <summary>The running aggregator's parts that outlive their creation: for status reports, health and shutdown.</summary>
public sealed class AggregatorRuntime
{
    /// <summary>
    /// A runtime whose memory budget is <paramref name="budget"/>; the buffer gauges, and the process's and the .NET
    /// runtime's own series, are read at each scrape.
    /// </summary>
    public AggregatorRuntime(long budget)
    {
        Budget = new BufferBudget(budget);
        Counters.Registry.AddBeforeCollectCallback(() => Counters.Buffered(Budget.Used, Budget.Capacity));
        // Operators size the aggregator by its RSS and CPU (process_working_set_bytes, process_cpu_seconds_total).
        // Registered on this runtime's own registry, with a collector of its own, rather than taken from
        // prometheus-net's process-wide default registry: several aggregators in one process (the tests) each get
        // the same process's figures, and still never share a series of their own.
        DotNetStats.Register(Counters.Registry);
    }

    /// <summary>Totals of what was read and shipped, and the Prometheus series.</summary>
    public ShippingCounters Counters { get; } = new();

    /// <summary>The memory budget of log data between reading and Loki's answer.</summary>
    public BufferBudget Budget { get; }

    /// <summary>When the aggregator was built, UTC.</summary>
    public DateTime StartedAt { get; } = DateTime.UtcNow;

    /// <summary>The actor system, once started.</summary>
    public ActorSystem? System { get; internal set; }

    /// <summary>The stream graph, once started.</summary>
    public LogPipeline? Pipeline { get; internal set; }

    /// <summary>The registry of tails, once started.</summary>
    public IActorRef Tails { get; internal set; } = ActorRefs.Nobody;

    /// <summary>One watcher per watched namespace (or one for all).</summary>
    public IReadOnlyList<IActorRef> Watchers { get; internal set; } = [];

    /// <summary>The port the admin endpoint listens on, once it does (the one picked when configured as 0).</summary>
    public int AdminPort { get; internal set; }

    /// <summary>The port of /metrics, /healthz and /readyz, once it listens.</summary>
    public int MetricsPort { get; internal set; }
}
