using Aggregator.Actors.Pipeline;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>Builds a container stream's Loki labels from its pod.</summary>
public static class StreamLabels
{
    /// <summary>namespace, pod, container, app, cluster, then the configured pod labels; fixed labels win a name clash.</summary>
    public static LabelSet For(V1Pod pod, string container, DiscoverySettings settings) => For(pod, container, settings, out _);

    /// <summary>
    /// As <see cref="For(V1Pod, string, DiscoverySettings)"/>, capped at <see cref="DiscoverySettings.MaxLabelNames"/>:
    /// the fixed labels always stay, mapped pod labels are taken in name order until the cap, and the rest are
    /// named in <paramref name="dropped"/> — Loki would refuse the whole stream otherwise.
    /// </summary>
    public static LabelSet For(V1Pod pod, string container, DiscoverySettings settings, out IReadOnlyList<string> dropped)
    {
        var podLabels = pod.Metadata.Labels;
        var labels = new List<KeyValuePair<string, string?>>(8)
        {
            new("namespace", pod.Metadata.NamespaceProperty),
            new("pod", pod.Metadata.Name),
            new("container", container),
            new("app", Label(podLabels, "app") ?? Label(podLabels, "app.kubernetes.io/name")),
            new("cluster", settings.ClusterName),
        };
        var fixedSet = LabelSet.Create(labels);
        var names = new HashSet<string>(fixedSet.Labels.Select(l => l.Key), StringComparer.Ordinal);
        var left = new List<string>();
        foreach (var (podLabel, lokiLabel) in settings.PodLabelMap.OrderBy(m => m.Value, StringComparer.Ordinal))
        {
            if (Label(podLabels, podLabel) is not { Length: > 0 } value || names.Contains(lokiLabel))
            {
                continue;
            }

            if (names.Count >= settings.MaxLabelNames)
            {
                left.Add(podLabel);
                continue;
            }

            names.Add(lokiLabel);
            labels.Add(new(lokiLabel, value));
        }

        dropped = left;
        return LabelSet.Create(labels);
    }

    /// <summary>
    /// The labels that name a container's log whatever its pod's labels: namespace, pod, container, and the cluster
    /// when one is named. A position is looked up by these, so that a pod relabelled (a mapped label, or app) while
    /// the aggregator was away still finds what Loki holds of it under its former labels, rather than reading the
    /// log from its start into a new stream, where Loki's dropping of identical entries cannot help.
    /// </summary>
    public static LabelSet Identity(LabelSet labels) =>
        LabelSet.Create(labels.Labels.Where(l => l.Key is "namespace" or "pod" or "container" or "cluster").Select(l => new KeyValuePair<string, string?>(l.Key, l.Value)));

    private static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;
}
