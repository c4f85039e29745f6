namespace Aggregator.Simulation.Kubernetes;

/// <summary>Pod and container lifecycle, as the scheduler and kubelet would drive it.</summary>
internal sealed partial class ClusterState
{
    public void CreatePod(
        string ns,
        string name,
        IEnumerable<string> containers,
        IReadOnlyDictionary<string, string>? labels,
        IEnumerable<string>? initContainers,
        string? nodeName)
    {
        var pod = new SimulatedPod(ns, name, containers, initContainers ?? [],
            new Dictionary<string, string>(labels ?? new Dictionary<string, string>()), nodeName ?? options.NodeName, options.Clock.GetUtcNow().UtcDateTime);
        lock (gate)
        {
            if (!pods.TryAdd((ns, name), pod))
            {
                throw new InvalidOperationException($"Pod {ns}/{name} already exists.");
            }

            Publish(pod, "ADDED");
        }
    }

    /// <summary>Runs the pod's regular containers, finishing any init container still outstanding first.</summary>
    public void StartPod(string ns, string name)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var now = options.Clock.GetUtcNow().UtcDateTime;
            foreach (var init in pod.InitContainers.Where(c => !c.HasCompleted))
            {
                (init.Running ?? init.StartNewInstance(now)).Terminate(0, now);
            }

            foreach (var container in pod.Containers.Where(c => c.Latest is null))
            {
                container.StartNewInstance(now);
            }

            if (pod.NodeName.Length == 0)
            {
                pod.NodeName = options.NodeName;
            }

            pod.Started = true;
            Publish(pod, "MODIFIED");
        }
    }

    public void StartInitContainer(string ns, string name, string container)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var slot = InitSlotOrThrow(pod, container);
            if (slot.Latest is not null)
            {
                throw new InvalidOperationException($"Init container \"{container}\" of {ns}/{name} has already started.");
            }

            slot.StartNewInstance(options.Clock.GetUtcNow().UtcDateTime);
            Publish(pod, "MODIFIED");
        }
    }

    public void CompleteInitContainer(string ns, string name, string container)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var slot = InitSlotOrThrow(pod, container);
            var now = options.Clock.GetUtcNow().UtcDateTime;
            (slot.Running ?? slot.StartNewInstance(now)).Terminate(0, now);
            if (pod.InitializationDone)
            {
                foreach (var waiting in pod.Containers.Where(c => c.WaitingReason == "PodInitializing"))
                {
                    waiting.WaitingReason = "ContainerCreating";
                }
            }

            Publish(pod, "MODIFIED");
        }
    }

    public void AddEphemeralContainer(string ns, string name, string container)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            pod.AddEphemeral(container).StartNewInstance(options.Clock.GetUtcNow().UtcDateTime);
            Publish(pod, "MODIFIED");
        }
    }

    /// <summary>The running instance exits with code 1 and a new instance (new containerID) runs in its place.</summary>
    public void RestartContainer(string ns, string name, string container)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var slot = SlotOrThrow(pod, container);
            if (slot.Latest is null)
            {
                throw new InvalidOperationException($"Container \"{container}\" of {ns}/{name} has never started; start the pod first.");
            }

            var now = options.Clock.GetUtcNow().UtcDateTime;
            if (slot.WaitingReason is null)
            {
                // A crash-looping container already counted its restart when it crashed.
                slot.Latest.Terminate(1, now);
                slot.RestartCount++;
            }

            slot.StartNewInstance(now);
            Publish(pod, "MODIFIED");
        }
    }

    /// <summary>The running instance exits and the container waits in CrashLoopBackOff until restarted.</summary>
    public void CrashContainer(string ns, string name, string container, int exitCode)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var slot = SlotOrThrow(pod, container);
            var running = slot.Running ?? throw new InvalidOperationException($"Container \"{container}\" of {ns}/{name} is not running.");
            running.Terminate(exitCode, options.Clock.GetUtcNow().UtcDateTime);
            slot.RestartCount++;
            slot.WaitingReason = "CrashLoopBackOff";
            Publish(pod, "MODIFIED");
        }
    }

    public void TerminateContainer(string ns, string name, string container, int exitCode)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var slot = SlotOrThrow(pod, container);
            var running = slot.Running ?? throw new InvalidOperationException($"Container \"{container}\" of {ns}/{name} is not running.");
            running.Terminate(exitCode, options.Clock.GetUtcNow().UtcDateTime);
            Publish(pod, "MODIFIED");
        }
    }

    /// <summary>Every running container exits (ending its follow streams) and the pod disappears with a DELETED event.</summary>
    public void DeletePod(string ns, string name)
    {
        lock (gate)
        {
            var pod = PodOrThrow(ns, name);
            var now = options.Clock.GetUtcNow().UtcDateTime;
            foreach (var slot in pod.AllContainers)
            {
                slot.Running?.Terminate(0, now);
            }

            pod.DeletedAt = now;
            pods.Remove((ns, name));
            Publish(pod, "DELETED");
        }
    }

    private static ContainerSlot InitSlotOrThrow(SimulatedPod pod, string container)
    {
        var slot = SlotOrThrow(pod, container);
        return slot.Kind == ContainerKind.Init
            ? slot
            : throw new InvalidOperationException($"\"{container}\" is not an init container of {pod.Namespace}/{pod.Name}.");
    }
}
