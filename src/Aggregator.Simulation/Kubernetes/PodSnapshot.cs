using System.Text;
using k8s;
using k8s.Models;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>An immutable published state of a pod: the V1Pod, its JSON and its resourceVersion.</summary>
internal sealed class PodSnapshot
{
    public PodSnapshot(V1Pod pod, long resourceVersion)
    {
        Pod = pod;
        ResourceVersion = resourceVersion;
        Json = KubernetesJson.Serialize(pod);
        ItemJson = KubernetesJson.Serialize(new V1Pod { Metadata = pod.Metadata, Spec = pod.Spec, Status = pod.Status });
    }

    /// <summary>Never mutated once published, so it can be serialized concurrently.</summary>
    public V1Pod Pod { get; }

    public long ResourceVersion { get; }

    public string Json { get; }

    /// <summary>The JSON as a list item: the API server sets kind and apiVersion only on the list itself.</summary>
    public string ItemJson { get; }

    /// <summary>One watch line, <c>{"type":…,"object":…}</c> and a newline, in UTF-8.</summary>
    public byte[] WatchLine(string type) => Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":{Json}}}\n");
}
