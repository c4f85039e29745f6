using System.Reflection;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Tailing;
using Akka.Actor;

namespace Aggregator.Host.Operations;

/// <summary>Builds the admin endpoint's reports and the health verdicts from the running aggregator.</summary>
internal sealed class AdminReports(AggregatorSettings settings, AggregatorRuntime runtime, RecentLogs logs, ShippingRate rate)
{
    /// <summary>The one role a node of this mode has; the sharded mode will give its nodes the same.</summary>
    public const string Role = "aggregator";

    // A later sharded mode hosts the tails as entities of this type.
    private const string TailEntityType = "tails";
    private const int MaxActorNodes = 5000;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static string Version { get; } =
        typeof(AdminReports).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public StatusReport Status()
    {
        var counters = runtime.Counters;
        var now = DateTime.UtcNow;
        var (linesPerSecond, bytesPerSecond) = rate.Rate(now, counters.EntriesShipped, counters.BytesShipped);
        return new StatusReport(
            "namespace",
            Version,
            runtime.StartedAt,
            Math.Round((now - runtime.StartedAt).TotalSeconds, 1),
            [.. settings.Namespaces.Select(ns => ns ?? "*")],
            settings.Loki?.PushUri.ToString() ?? "standard output",
            counters.ActiveTails,
            counters.EntriesRead,
            counters.EntriesShipped,
            counters.BytesShipped,
            Math.Round(linesPerSecond, 1),
            Math.Round(bytesPerSecond, 1),
            counters.EntriesRejected,
            counters.PushRetries,
            runtime.Budget.Used,
            runtime.Budget.Capacity,
            counters.LokiReachable,
            counters.LastPushError);
    }

    public async Task<IReadOnlyList<TailReport>> TailsAsync(TailFilter filter)
    {
        if (runtime.Tails.IsNobody())
        {
            return [];
        }

        var states = await runtime.Tails.Ask<TailStates>(GetTailStates.Instance, AskTimeout).ConfigureAwait(false);
        var now = DateTime.UtcNow;
        return [.. states.Tails.Select(s => TailFilter.Report(s, now)).Where(filter.Matches)];
    }

    /// <summary>The live tree under /user, read from the actors' own child lists.</summary>
    public ActorNode? Actors()
    {
        if (runtime.System is not ExtendedActorSystem system)
        {
            return null;
        }

        var budget = MaxActorNodes;
        return Node(system.Guardian, ref budget);
    }

    public LogsReport Logs(int lines) => new(logs.Last(Math.Clamp(lines, 1, 10_000)));

    /// <summary>This mode runs one node, which is the whole membership; the sharded mode reports its cluster here.</summary>
    public ClusterReport Cluster()
    {
        var self = SelfAddress();
        return new ClusterReport("single-node", self, self, [new ClusterMemberReport(self, "Up", [Role], runtime.StartedAt)]);
    }

    /// <summary>One region, this node's tail registry, with every tail as an entity of one shard.</summary>
    public ShardRegionsReport Regions() =>
        new([new ShardRegionReport(TailEntityType, runtime.Tails.IsNobody() ? "/user/tails" : runtime.Tails.Path.ToStringWithoutAddress(), 1, runtime.Counters.ActiveTails)]);

    public ShardingStatsReport ShardingStats() =>
        new([new ShardStatsReport(TailEntityType, SelfAddress(), "0", runtime.Counters.ActiveTails)]);

    public HealthVerdict Liveness(TimeSpan stuckAfter)
    {
        var counters = runtime.Counters;
        var running = runtime.System is { } system && !system.WhenTerminated.IsCompleted;
        return HealthVerdict.Liveness(
            running, runtime.Pipeline?.Completion, counters.EntriesInFlight, counters.WaitingSince, counters.LastAttempt, DateTime.UtcNow, stuckAfter);
    }

    public async Task<HealthVerdict> ReadinessAsync()
    {
        var watchers = runtime.Watchers;
        var statuses = await Task.WhenAll(watchers.Select(async watcher =>
        {
            try
            {
                return await watcher.Ask<WatchStatus>(GetWatchStatus.Instance, AskTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        return HealthVerdict.Readiness(statuses, settings.Namespaces.Count);
    }

    private string SelfAddress() => runtime.System is ExtendedActorSystem system ? system.Provider.DefaultAddress.ToString() : "akka://aggregator";

    private static ActorNode Node(IActorRef actor, ref int budget)
    {
        budget--;
        var children = new List<ActorNode>();
        if (actor is ActorRefWithCell withCell)
        {
            foreach (var child in withCell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal))
            {
                if (budget <= 0)
                {
                    children.Add(new ActorNode("…", actor.Path.ToStringWithoutAddress() + "/…", "more actors not shown", []));
                    break;
                }

                children.Add(Node(child, ref budget));
            }
        }

        var type = actor is ActorRefWithCell cell ? cell.Underlying.Props.Type?.Name ?? "?" : actor.GetType().Name;
        return new ActorNode(actor.Path.Name, actor.Path.ToStringWithoutAddress(), type, children);
    }
}
