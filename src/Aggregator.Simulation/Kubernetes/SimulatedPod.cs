namespace Aggregator.Simulation.Kubernetes;

/// <summary>The double's mutable model of one pod; rendered into a V1Pod snapshot on every change.</summary>
internal sealed class SimulatedPod
{
    private readonly List<ContainerSlot> initContainers;
    private readonly List<ContainerSlot> containers;
    private readonly List<ContainerSlot> ephemeralContainers = [];

    public SimulatedPod(
        string ns,
        string name,
        IEnumerable<string> containerNames,
        IEnumerable<string> initContainerNames,
        IReadOnlyDictionary<string, string> labels,
        string nodeName,
        DateTime createdAt)
    {
        Namespace = ns;
        Name = name;
        Labels = labels;
        NodeName = nodeName;
        CreatedAt = createdAt;
        initContainers = initContainerNames.Select(c => new ContainerSlot(c, ContainerKind.Init, "PodInitializing")).ToList();
        var regularReason = initContainers.Count > 0 ? "PodInitializing" : "ContainerCreating";
        containers = containerNames.Select(c => new ContainerSlot(c, ContainerKind.Regular, regularReason)).ToList();
        var duplicate = AllContainers.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Container name \"{duplicate.Key}\" appears twice in pod {name}.", nameof(containerNames));
        }
    }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; } = Guid.NewGuid().ToString();

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Empty while the pod is not scheduled to a node.</summary>
    public string NodeName { get; set; }

    public DateTime CreatedAt { get; }

    public DateTime? DeletedAt { get; set; }

    /// <summary>Set once the kubelet has started the pod's regular containers.</summary>
    public bool Started { get; set; }

    /// <summary>The snapshot last published to list and watch; its resourceVersion is the pod's.</summary>
    public PodSnapshot? Published { get; set; }

    public IReadOnlyList<ContainerSlot> InitContainers => initContainers;

    public IReadOnlyList<ContainerSlot> Containers => containers;

    public IReadOnlyList<ContainerSlot> EphemeralContainers => ephemeralContainers;

    /// <summary>In the API server's VisitContainers order: init, regular, ephemeral.</summary>
    public IEnumerable<ContainerSlot> AllContainers => initContainers.Concat(containers).Concat(ephemeralContainers);

    public bool InitializationDone => initContainers.All(c => c.HasCompleted);

    public string Phase
    {
        get
        {
            if (!Started)
            {
                return "Pending";
            }

            if (containers.Count > 0 && containers.All(c => c.Current is { IsTerminated: true }))
            {
                return containers.All(c => c.HasCompleted) ? "Succeeded" : "Failed";
            }

            return "Running";
        }
    }

    public ContainerSlot? Find(string containerName) => AllContainers.FirstOrDefault(c => c.Name == containerName);

    public ContainerSlot AddEphemeral(string containerName)
    {
        if (Find(containerName) is not null)
        {
            throw new InvalidOperationException($"Pod {Namespace}/{Name} already has a container named \"{containerName}\".");
        }

        var slot = new ContainerSlot(containerName, ContainerKind.Ephemeral, "ContainerCreating");
        ephemeralContainers.Add(slot);
        return slot;
    }
}
