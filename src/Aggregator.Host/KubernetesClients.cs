using Aggregator.Actors.Discovery;
using k8s;

namespace Aggregator.Host;

/// <summary>The one way the aggregator builds a KubernetesClient: with <see cref="PodJson"/> first in the library's JSON options.</summary>
internal static class KubernetesClients
{
    /// <summary>A client for <paramref name="configuration"/>, built after the trimmed pod metadata is in place.</summary>
    /// <remarks>
    /// A configuration copies the library's JSON options the first time a client is built from it. The start-up check
    /// of the client certificate once built the first, before the host put the trimmed metadata in: the aggregator's
    /// client then read every watched pod whole, 12 MiB more resident at 1,000 containers (BENCHMARKS.md, session 23).
    /// </remarks>
    public static Kubernetes Create(KubernetesClientConfiguration configuration)
    {
        PodJson.UseForKubernetesClient();
        return new Kubernetes(configuration);
    }
}
