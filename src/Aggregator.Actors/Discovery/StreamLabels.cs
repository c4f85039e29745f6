using Aggregator.Actors.Pipeline;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>Builds a container stream's Loki labels from its pod.</summary>
public static class StreamLabels
{
    /// <summary>namespace, pod, container, app, cluster, then the configured pod labels; fixed labels win a name clash.</summary>
    public static LabelSet For(V1Pod pod, string container, DiscoverySettings settings)
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
        foreach (var (podLabel, lokiLabel) in settings.PodLabelMap)
        {
            labels.Add(new(lokiLabel, Label(podLabels, podLabel)));
        }

        return LabelSet.Create(labels);
    }

    private static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;
}
