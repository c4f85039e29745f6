using System.Reflection;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Tailing;
using Akka.Actor;
using Akka.Cluster.Sharding;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Aggregator.Host.Operations;

/// <summary>Builds the admin endpoint's reports and the health verdicts from the running aggregator.</summary>
internal sealed class AdminReports(AggregatorSettings settings, AggregatorRuntime runtime, RecentLogs logs, ShippingRate rate)
{
    /// <summary>The one role a node has, in either mode.</summary>
    public const string Role = "aggregator";

    // The cluster mode hosts the tails as entities of this type; the namespace mode reports its registry under the same name.
    private const string TailEntityType = AggregatorClusterExtensions.TailsRegion;
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
            settings.Cluster is null ? "namespace" : "cluster",
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
        if (settings.Cluster is not null)
        {
            return ClusterMode() is { } system ? await ClusterTailsAsync(system, filter).ConfigureAwait(false) : [];
        }

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

    /// <summary>
    /// The membership as this node sees it: in cluster mode from Akka.Cluster's state (status, roles, reachability);
    /// the namespace mode runs one node, which is the whole membership.
    /// </summary>
    public ClusterReport Cluster()
    {
        var self = SelfAddress();
        if (ClusterMode() is not { } system)
        {
            return new ClusterReport("single-node", self, self, [new ClusterMemberReport(self, "Up", [Role], runtime.StartedAt)]);
        }

        var cluster = AkkaCluster.Get(system);
        var state = cluster.State;
        return new ClusterReport(
            "cluster",
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            [.. state.Members.Select(m => new ClusterMemberReport(
                m.Address.ToString(),
                m.Status.ToString(),
                [.. m.Roles.Order(StringComparer.Ordinal)],
                // Akka.Cluster does not keep when other members came Up; this node knows its own start.
                m.Address == cluster.SelfAddress ? runtime.StartedAt : null,
                state.Unreachable.Contains(m) ? "unreachable" : "reachable"))]);
    }

    /// <summary>
    /// In cluster mode, one row per member's region, from the cluster-wide sharding statistics; otherwise one region,
    /// this node's tail registry, with every tail as an entity of one shard.
    /// </summary>
    public async Task<ShardRegionsReport> RegionsAsync()
    {
        if (ClusterMode() is not { } system)
        {
            return new([new ShardRegionReport(TailEntityType, runtime.Tails.IsNobody() ? "/user/tails" : runtime.Tails.Path.ToStringWithoutAddress(), 1, runtime.Counters.ActiveTails)]);
        }

        var stats = await ClusterShardingStatsAsync(system).ConfigureAwait(false);
        return new([.. stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r => new ShardRegionReport(
            TailEntityType, RegionPath(r.Key).ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum()))]);
    }

    /// <summary>Entities per shard and member: in cluster mode from the cluster-wide sharding statistics.</summary>
    public async Task<ShardingStatsReport> ShardingStatsAsync()
    {
        if (ClusterMode() is not { } system)
        {
            return new([new ShardStatsReport(TailEntityType, SelfAddress(), "0", runtime.Counters.ActiveTails)]);
        }

        var stats = await ClusterShardingStatsAsync(system).ConfigureAwait(false);
        return new([.. from region in stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                       from shard in region.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal)
                       select new ShardStatsReport(TailEntityType, region.Key.ToString(), shard.Key, shard.Value)]);
    }

    public HealthVerdict Liveness(TimeSpan stuckAfter)
    {
        var counters = runtime.Counters;
        var running = runtime.System is { } system && !system.WhenTerminated.IsCompleted;
        return HealthVerdict.Liveness(
            running, runtime.Pipeline?.Completion, counters.EntriesInFlight, counters.WaitingSince, counters.LastAttempt, DateTime.UtcNow, stuckAfter);
    }

    /// <summary>Ready once every pod watch is established and, in cluster mode, this member is Up in the cluster.</summary>
    public async Task<HealthVerdict> ReadinessAsync()
    {
        var watchers = runtime.Watchers;
        var statuses = await Task.WhenAll(watchers.Select(async watcher =>
        {
            try
            {
                return await watcher.Ask<WatchStatus>(GetWatchStatus.Instance, MetricsEndpoint.ReadinessAskTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        var watching = HealthVerdict.Readiness(statuses, settings.Namespaces.Count);
        if (settings.Cluster is not { } cluster)
        {
            return watching;
        }

        return ClusterMode() is { } system
            ? HealthVerdict.Membership(SelfStatus(AkkaCluster.Get(system)), NotJoined(cluster)).And(watching)
            : new HealthVerdict(false, "the actor system is not running");
    }

    /// <summary>This member's status in the membership it has seen; null while none lists it because it has not joined.</summary>
    private static Akka.Cluster.MemberStatus? SelfStatus(AkkaCluster cluster)
    {
        var state = cluster.State;
        if (state.Members.FirstOrDefault(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress)) is { } self)
        {
            return self.Status;
        }

        // Akka's SelfMember says Removed both before joining and after removal: a member that was removed has seen
        // others (or its cluster has shut down), one that never joined has seen nobody.
        return cluster.IsTerminated || !state.Members.IsEmpty ? Akka.Cluster.MemberStatus.Removed : null;
    }

    private static string NotJoined(ClusterSettings cluster) => cluster.Bootstrap is { } bootstrap
        ? $"cluster bootstrap has found no cluster to join among the pods matching {bootstrap.Selector}"
        : $"no seed node has let it join: {string.Join(", ", cluster.Seeds)}";

    private ActorSystem? ClusterMode() => settings.Cluster is not null && runtime.System is { } system && !system.WhenTerminated.IsCompleted ? system : null;

    private static ActorPath RegionPath(Address member) => new RootActorPath(member) / "system" / "sharding" / TailEntityType;

    private static Task<ClusterShardingStats> ClusterShardingStatsAsync(ActorSystem system) =>
        ClusterSharding.Get(system).ShardRegion(TailEntityType)
            .Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout), AskTimeout + TimeSpan.FromSeconds(1));

    /// <summary>
    /// Every member's tails: each Up member's region says which entities it hosts, then each entity is asked for
    /// its state through the region. An entity that does not answer in time (its shard handed off, or stopping) is
    /// listed by what its ID says, in the state <see cref="TailFilter.NotAnswering"/>; so is, in one row, a member that
    /// did not answer, and in another the shards of a member that did not tell it which entities they host.
    /// </summary>
    private static async Task<IReadOnlyList<TailReport>> ClusterTailsAsync(ActorSystem system, TailFilter filter)
    {
        var region = ClusterSharding.Get(system).ShardRegion(TailEntityType);
        var members = AkkaCluster.Get(system).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(Role)).ToList();
        var hosted = await Task.WhenAll(members.Select(async member =>
        {
            try
            {
                var state = await system.ActorSelection(RegionPath(member.Address))
                    .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout).ConfigureAwait(false);
                // The region answers for the shards that answered it in time; the others it names as failed.
                return (Member: member.Address.ToString(), Entities: state.Shards.SelectMany(s => s.EntityIds).ToList(), Answered: true, Failed: state.Failed.ToList());
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return (Member: member.Address.ToString(), Entities: new List<string>(), Answered: false, Failed: new List<string>());
            }
        })).ConfigureAwait(false);
        var now = DateTime.UtcNow;
        var reports = await Task.WhenAll(hosted.SelectMany(h => h.Entities.Select(async tailId =>
        {
            try
            {
                var state = await region.Ask<TailState>(new GetTailState(tailId), AskTimeout).ConfigureAwait(false);
                return TailFilter.Report(state, now) with { Member = h.Member };
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return TailFilter.Unanswered(tailId, h.Member, AskTimeout);
            }
        }))).ConfigureAwait(false);
        var silent = hosted.Where(h => !h.Answered).Select(h => TailFilter.UnansweredMember(h.Member, AskTimeout))
            .Concat(hosted.Where(h => h.Failed.Count > 0).Select(h => TailFilter.UnansweredShards(h.Member, h.Failed)));
        return [.. reports.Concat(silent).Where(filter.Matches)
            .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Pod, StringComparer.Ordinal).ThenBy(t => t.Container, StringComparer.Ordinal)];
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
