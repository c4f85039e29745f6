using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s.Models;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>Renders the model into the V1Pod shape the real API server returns.</summary>
internal static class PodRenderer
{
    private static readonly string[] ConditionTypes = ["ContainersReady", "Initialized", "PodScheduled", "Ready"];

    public static V1Pod Render(SimulatedPod pod, long resourceVersion)
    {
        var created = KubeTime.WholeSecondsUtc(pod.CreatedAt);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = pod.Name,
                NamespaceProperty = pod.Namespace,
                Uid = pod.Uid,
                ResourceVersion = resourceVersion.ToString(CultureInfo.InvariantCulture),
                CreationTimestamp = created,
                DeletionTimestamp = pod.DeletedAt is { } deleted ? KubeTime.WholeSecondsUtc(deleted) : null,
                DeletionGracePeriodSeconds = pod.DeletedAt is null ? null : 0,
                Labels = pod.Labels.Count > 0 ? new Dictionary<string, string>(pod.Labels) : null,
                ManagedFields = ManagedFields(pod, created),
            },
            Spec = new V1PodSpec
            {
                NodeName = pod.NodeName.Length > 0 ? pod.NodeName : null,
                RestartPolicy = "Always",
                SchedulerName = "default-scheduler",
                ServiceAccountName = "default",
                Containers = pod.Containers.Select(c => new V1Container { Name = c.Name, Image = ImageOf(c) }).ToList(),
                InitContainers = pod.InitContainers.Count > 0
                    ? pod.InitContainers.Select(c => new V1Container { Name = c.Name, Image = ImageOf(c) }).ToList()
                    : null,
                EphemeralContainers = pod.EphemeralContainers.Count > 0
                    ? pod.EphemeralContainers.Select(c => new V1EphemeralContainer { Name = c.Name, Image = ImageOf(c) }).ToList()
                    : null,
            },
            Status = RenderStatus(pod, created),
        };
    }

    private static V1PodStatus RenderStatus(SimulatedPod pod, DateTime created)
    {
        var containersReady = pod.Containers.All(c => c.Running is not null);

        // The kubelet reports container statuses only once the pod is on its node.
        var scheduled = pod.NodeName.Length > 0;
        return new V1PodStatus
        {
            Phase = pod.Phase,
            HostIP = scheduled ? "10.0.0.1" : null,
            PodIP = pod.Started ? PodIpOf(pod) : null,
            StartTime = scheduled ? created : null,
            QosClass = "BestEffort",
            Conditions =
            [
                Condition("PodScheduled", pod.NodeName.Length > 0, created),
                Condition("Initialized", pod.InitializationDone, created),
                Condition("ContainersReady", containersReady, created),
                Condition("Ready", containersReady, created),
            ],
            InitContainerStatuses = scheduled && pod.InitContainers.Count > 0 ? pod.InitContainers.Select(RenderContainer).ToList() : null,
            ContainerStatuses = scheduled ? pod.Containers.Select(RenderContainer).ToList() : null,
            EphemeralContainerStatuses = pod.EphemeralContainers.Count > 0 ? pod.EphemeralContainers.Select(RenderContainer).ToList() : null,
        };
    }

    private static V1ContainerStatus RenderContainer(ContainerSlot slot)
    {
        var latest = slot.Latest;
        var running = slot.Running;
        return new V1ContainerStatus
        {
            Name = slot.Name,
            Image = ImageOf(slot),
            ImageID = latest is null ? "" : $"{ImageOf(slot)}@sha256:{new string('0', 64)}",
            ContainerID = latest?.ContainerId,
            RestartCount = slot.RestartCount,
            Started = slot.Kind == ContainerKind.Init ? null : running is not null,
            Ready = slot.Kind switch
            {
                ContainerKind.Init => slot.HasCompleted,
                ContainerKind.Regular => running is not null,
                _ => false,
            },
            State = slot.WaitingReason is { } reason
                ? new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } }
                : StateOf(slot.Current!),
            LastState = slot.LastTerminated is { } last ? StateOf(last) : new V1ContainerState(),
        };
    }

    private static V1ContainerState StateOf(ContainerInstance instance) =>
        instance.ExitCode is { } exitCode
            ? new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = exitCode,
                    Reason = instance.TerminationReason,
                    ContainerID = instance.ContainerId,
                    StartedAt = KubeTime.WholeSecondsUtc(instance.StartedAt),
                    FinishedAt = instance.FinishedAt is { } finished ? KubeTime.WholeSecondsUtc(finished) : null,
                },
            }
            : new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = KubeTime.WholeSecondsUtc(instance.StartedAt) } };

    /// <summary>
    /// The server-side-apply record a real API server puts on every pod in lists and watches: which manager set
    /// which fields (the controller the spec, the kubelet the status): about half of a small pod's JSON.
    /// </summary>
    private static List<V1ManagedFieldsEntry> ManagedFields(SimulatedPod pod, DateTime created)
    {
        var spec = new StringBuilder("{\"f:metadata\":{\"f:labels\":{\".\":{}");
        foreach (var label in pod.Labels.Keys)
        {
            spec.Append(CultureInfo.InvariantCulture, $",\"f:{label}\":{{}}");
        }

        spec.Append("}},\"f:spec\":{\"f:containers\":{");
        spec.AppendJoin(',', pod.Containers.Select(c =>
            $"\"k:{{\\\"name\\\":\\\"{c.Name}\\\"}}\":{{\".\":{{}},\"f:image\":{{}},\"f:imagePullPolicy\":{{}},\"f:name\":{{}},\"f:resources\":{{}},\"f:terminationMessagePath\":{{}},\"f:terminationMessagePolicy\":{{}}}}"));
        spec.Append("},\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},\"f:schedulerName\":{},\"f:securityContext\":{},\"f:serviceAccount\":{},\"f:serviceAccountName\":{},\"f:terminationGracePeriodSeconds\":{}}}");
        var status = new StringBuilder("{\"f:status\":{\"f:conditions\":{");
        status.AppendJoin(',', ConditionTypes.Select(type =>
            $"\"k:{{\\\"type\\\":\\\"{type}\\\"}}\":{{\".\":{{}},\"f:lastProbeTime\":{{}},\"f:lastTransitionTime\":{{}},\"f:status\":{{}},\"f:type\":{{}}}}"));
        status.Append("},\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:phase\":{},\"f:podIP\":{},\"f:podIPs\":{},\"f:startTime\":{}}}");
        return
        [
            new V1ManagedFieldsEntry
            {
                ApiVersion = "v1", FieldsType = "FieldsV1", Manager = "kube-controller-manager", Operation = "Update", Time = created,
                FieldsV1 = JsonSerializer.Deserialize<JsonElement>(spec.ToString()),
            },
            new V1ManagedFieldsEntry
            {
                ApiVersion = "v1", FieldsType = "FieldsV1", Manager = "kubelet", Operation = "Update", Subresource = "status", Time = created,
                FieldsV1 = JsonSerializer.Deserialize<JsonElement>(status.ToString()),
            },
        ];
    }

    private static V1PodCondition Condition(string type, bool status, DateTime since) =>
        new() { Type = type, Status = status ? "True" : "False", LastTransitionTime = since };

    private static string ImageOf(ContainerSlot slot) => $"registry.local/{slot.Name}:latest";

    private static string PodIpOf(SimulatedPod pod)
    {
        var hash = (uint)StringComparer.Ordinal.GetHashCode(pod.Uid);
        return string.Create(CultureInfo.InvariantCulture, $"10.244.{(hash >> 8) % 250}.{hash % 250 + 2}");
    }
}
