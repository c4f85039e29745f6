using Aggregator.Actors.Discovery;
using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// Reads a <see cref="TailTarget.TailId"/> back: a sharding entity that was started without its
/// <see cref="StartTail"/> knows nothing else about its container instance.
/// </summary>
public static class TailIdentity
{
    /// <summary>
    /// The target a tail ID names in <paramref name="pod"/>, or null when the pod no longer has that instance.
    /// Kubernetes names never contain '_', so the ID splits into namespace, pod, container and short ID.
    /// </summary>
    public static TailTarget? Find(string tailId, V1Pod? pod, DiscoverySettings settings) =>
        pod is null ? null : TailPlan.For(pod, settings).FirstOrDefault(target => target.TailId == tailId);

    /// <summary>The namespace and pod of a tail ID, or null when it is not one.</summary>
    public static (string Namespace, string Pod)? PodOf(string tailId) =>
        PartsOf(tailId) is { } parts ? (parts.Namespace, parts.Pod) : null;

    /// <summary>What a tail ID names: namespace, pod, container and short instance ID; null when it is not one.</summary>
    public static (string Namespace, string Pod, string Container, string Instance)? PartsOf(string tailId)
    {
        var parts = tailId.Split('_');
        return parts.Length == 4 && parts.All(p => p.Length > 0) ? (parts[0], parts[1], parts[2], parts[3]) : null;
    }
}
