namespace Aggregator.Actors.Discovery;

/// <summary>Asks a <see cref="PodWatcher"/> how its watch stands; answered with <see cref="WatchStatus"/>.</summary>
public sealed record GetWatchStatus
{
    public static readonly GetWatchStatus Instance = new();
}

/// <summary>A watcher's state: whether a watch is open, how many pods it knows, and its resourceVersion.</summary>
public sealed record WatchStatus(string? Namespace, bool Watching, int Pods, string? ResourceVersion)
{
    /// <summary>The API server accepted the watch, and none has failed since (a renewal keeps it established): readiness.</summary>
    public bool Established { get; init; }
}
