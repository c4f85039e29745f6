using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>Which container instances of a pod should have a tail now.</summary>
public static class TailPlan
{
    /// <summary>
    /// Every instance with a log to read: running or exited regular, init and ephemeral containers, and the
    /// previous instance of a restarted container (it may have exited before it was ever seen running).
    /// Waiting containers have no instance yet; ignored pods and containers, and our own pod, give none.
    /// </summary>
    public static IEnumerable<TailTarget> For(V1Pod pod, DiscoverySettings settings)
    {
        var name = pod.Metadata?.Name;
        if (name is null || pod.Metadata!.NamespaceProperty is null || IsIgnored(name, settings))
        {
            yield break;
        }

        var status = pod.Status;
        var statuses = (status?.InitContainerStatuses ?? [])
            .Concat(status?.ContainerStatuses ?? [])
            .Concat(status?.EphemeralContainerStatuses ?? []);
        foreach (var container in statuses)
        {
            if (settings.IgnoreContainers.Contains(container.Name, StringComparer.Ordinal))
            {
                continue;
            }

            var stream = new StreamKey(pod.Metadata.NamespaceProperty, name, container.Name);
            LabelSet? labels = null;
            IReadOnlyList<string> dropped = [];
            var previous = container.LastState?.Terminated?.ContainerID;
            if (!string.IsNullOrEmpty(previous))
            {
                labels ??= StreamLabels.For(pod, container.Name, settings, out dropped);
                yield return new TailTarget(stream, previous, labels) { DroppedLabels = dropped };
            }

            var current = container.ContainerID;
            if (!string.IsNullOrEmpty(current) && (container.State?.Running is not null || container.State?.Terminated is not null))
            {
                labels ??= StreamLabels.For(pod, container.Name, settings, out dropped);
                yield return new TailTarget(stream, current, labels) { DroppedLabels = dropped };
            }
        }
    }

    /// <summary>True for our own pod and for pods named by IGNORE_APPS.</summary>
    public static bool IsIgnored(string podName, DiscoverySettings settings) =>
        podName == settings.SelfPodName ||
        settings.IgnorePodPrefixes.Any(prefix => podName.StartsWith(prefix, StringComparison.Ordinal));
}
