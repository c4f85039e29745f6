namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// A named container of a pod across its restarts: its current state (waiting, or the latest instance
/// running or terminated) and every instance it has had.
/// </summary>
internal sealed class ContainerSlot(string name, ContainerKind kind, string initialWaitingReason)
{
    private readonly List<ContainerInstance> instances = [];

    public string Name { get; } = name;

    public ContainerKind Kind { get; } = kind;

    /// <summary>Set while the container waits (never started, or crash-looping); then the latest instance is not current.</summary>
    public string? WaitingReason { get; set; } = initialWaitingReason;

    public int RestartCount { get; set; }

    public IReadOnlyList<ContainerInstance> Instances => instances;

    public ContainerInstance? Latest => instances.Count > 0 ? instances[^1] : null;

    /// <summary>The instance <c>state</c> describes (running or terminated), or null while waiting.</summary>
    public ContainerInstance? Current => WaitingReason is null ? Latest : null;

    /// <summary>The instance <c>lastState.terminated</c> describes.</summary>
    public ContainerInstance? LastTerminated =>
        WaitingReason is null
            ? (instances.Count > 1 ? instances[^2] : null)
            : Latest;

    public ContainerInstance? Running => Current is { IsTerminated: false } current ? current : null;

    public bool HasCompleted => Current is { ExitCode: 0 };

    public ContainerInstance StartNewInstance(DateTime now)
    {
        var instance = new ContainerInstance(now);
        instances.Add(instance);
        WaitingReason = null;
        return instance;
    }
}
