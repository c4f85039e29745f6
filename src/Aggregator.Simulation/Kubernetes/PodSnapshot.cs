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
    }

    /// <summary>Never mutated once published, so it can be serialized concurrently.</summary>
    public V1Pod Pod { get; }

    public long ResourceVersion { get; }

    public string Json { get; }

    /// <summary>One watch line, <c>{"type":…,"object":…}</c> and a newline, in UTF-8.</summary>
    public byte[] WatchLine(string type) => Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":{Json}}}\n");
}
