using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>What a tail needs from the Kubernetes API: open a container's log, and look at its pod.</summary>
public interface IPodApi
{
    /// <summary>Opens the log; the returned stream is the response body. Throws <see cref="PodLogException"/> when refused.</summary>
    Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken);

    /// <summary>The pod as the API server has it now, or null when it no longer exists.</summary>
    Task<V1Pod?> ReadPodAsync(string podNamespace, string pod, CancellationToken cancellationToken);
}
