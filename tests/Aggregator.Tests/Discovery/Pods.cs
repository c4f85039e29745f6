using k8s.Models;

namespace Aggregator.Tests.Discovery;

/// <summary>Builds the V1Pod shapes the API server sends.</summary>
internal static class Pods
{
    public static V1Pod Pod(
        string name = "web-0",
        string ns = "prod",
        IDictionary<string, string>? labels = null,
        IList<V1ContainerStatus>? containers = null,
        IList<V1ContainerStatus>? init = null,
        IList<V1ContainerStatus>? ephemeral = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Status = new V1PodStatus
            {
                Phase = "Running",
                ContainerStatuses = containers,
                InitContainerStatuses = init,
                EphemeralContainerStatuses = ephemeral,
            },
        };

    public static V1ContainerStatus Running(string name, string id, string? previousId = null) =>
        new()
        {
            Name = name,
            ContainerID = id,
            Image = "busybox",
            ImageID = "sha256:1",
            Ready = true,
            RestartCount = previousId is null ? 0 : 1,
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
            LastState = previousId is null ? new V1ContainerState() : Exited(previousId),
        };

    public static V1ContainerStatus Terminated(string name, string id, string? previousId = null) =>
        new()
        {
            Name = name,
            ContainerID = id,
            Image = "busybox",
            ImageID = "sha256:1",
            Ready = false,
            RestartCount = previousId is null ? 0 : 1,
            State = Exited(id),
            LastState = previousId is null ? new V1ContainerState() : Exited(previousId),
        };

    /// <summary>Waiting with no instance yet (ContainerCreating), or in CrashLoopBackOff after <paramref name="previousId"/> exited.</summary>
    public static V1ContainerStatus Waiting(string name, string? previousId = null, string reason = "ContainerCreating") =>
        new()
        {
            Name = name,
            // In CrashLoopBackOff the status still names the instance that exited last.
            ContainerID = previousId,
            Image = "busybox",
            ImageID = string.Empty,
            Ready = false,
            RestartCount = previousId is null ? 0 : 1,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } },
            LastState = previousId is null ? new V1ContainerState() : Exited(previousId),
        };

    private static V1ContainerState Exited(string id) =>
        new() { Terminated = new V1ContainerStateTerminated { ContainerID = id, ExitCode = 1, Reason = "Error" } };
}
