namespace Aggregator.Simulation.Kubernetes;

/// <summary>One entry of the watch history: a pod change, with the state before it for selector transitions.</summary>
internal sealed class PodEvent(string type, PodSnapshot current, PodSnapshot? previous)
{
    private byte[]? line;

    public string Type { get; } = type;

    public PodSnapshot Current { get; } = current;

    public PodSnapshot? Previous { get; } = previous;

    public long ResourceVersion => Current.ResourceVersion;

    /// <summary>The watch line for this event's own type, built once and shared by every watcher.</summary>
    public byte[] Line => line ??= Current.WatchLine(Type);
}
