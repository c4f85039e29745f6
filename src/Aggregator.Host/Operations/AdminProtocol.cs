namespace Aggregator.Host.Operations;

// The admin endpoint's answers, serialised as JSON (camelCase) and read back by `aggregator ctl`.

/// <summary><c>GET /v1/status</c>: the aggregator as a whole.</summary>
/// <remarks>
/// <see cref="LokiReachable"/> keeps its name for the clients that read it, and means Loki took the last push attempt
/// as a push (aggregator_loki_up); null before the first attempt.
/// </remarks>
public sealed record StatusReport(
    string Mode,
    string Version,
    DateTime StartedAt,
    double UptimeSeconds,
    IReadOnlyList<string> Namespaces,
    string Destination,
    int TailsRunning,
    long LinesRead,
    long LinesShipped,
    long BytesShipped,
    double LinesPerSecond,
    double BytesPerSecond,
    long LinesRejected,
    long PushRetries,
    long BufferedBytes,
    long BufferCapacityBytes,
    bool? LokiReachable,
    string? LastPushError);

/// <summary><c>GET /v1/tails</c>: one container instance being tailed, and in cluster mode the member that runs it.</summary>
public sealed record TailReport(
    string TailId,
    string Namespace,
    string Pod,
    string Container,
    string ContainerId,
    IReadOnlyDictionary<string, string> Labels,
    string State,
    long LinesRead,
    long BytesRead,
    DateTime? LastEntry,
    double? LagSeconds,
    int Restarts,
    string? LastError,
    string? Member = null);

/// <summary><c>GET /v1/actors</c>: one actor of the live tree, with its children.</summary>
public sealed record ActorNode(string Name, string Path, string Type, IReadOnlyList<ActorNode> Children);

/// <summary><c>GET /v1/logs?lines=N</c>: the aggregator's own most recent log lines, oldest first.</summary>
public sealed record LogsReport(IReadOnlyList<string> Lines);

/// <summary><c>GET /v1/cluster</c>: the membership as this node sees it.</summary>
public sealed record ClusterReport(string Mode, string SelfAddress, string? Leader, IReadOnlyList<ClusterMemberReport> Members);

/// <summary>One member of the cluster: its status, roles, since when it runs (known for this node only) and whether this node reaches it.</summary>
public sealed record ClusterMemberReport(string Address, string Status, IReadOnlyList<string> Roles, DateTime? UpSince, string Reachability = "reachable");

/// <summary><c>GET /v1/cluster/sharding/regions</c>: the regions and how much each holds.</summary>
public sealed record ShardRegionsReport(IReadOnlyList<ShardRegionReport> Regions);

/// <summary>One shard region: its entity type, the actor that hosts it, and its shards and entities.</summary>
public sealed record ShardRegionReport(string TypeName, string Path, int Shards, int Entities);

/// <summary><c>GET /v1/cluster/sharding/stats</c>: entities per shard, per region and node.</summary>
public sealed record ShardingStatsReport(IReadOnlyList<ShardStatsReport> Shards);

/// <summary>One shard of a region on one node, and how many entities it holds.</summary>
public sealed record ShardStatsReport(string TypeName, string Address, string ShardId, int Entities);
