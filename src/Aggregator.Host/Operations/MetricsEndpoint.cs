using System.Net;

namespace Aggregator.Host.Operations;

/// <summary>Where /metrics, /healthz and /readyz listen, and how long waiting entries may see no push attempt before /healthz fails.</summary>
public sealed record MetricsEndpoint(IPAddress Address, int Port, TimeSpan StuckAfter)
{
    /// <summary>Every address (Prometheus and the kubelet's probes come from outside the pod), port 9102.</summary>
    public static readonly MetricsEndpoint Default = new(IPAddress.Any, 9102, TimeSpan.FromMinutes(5));

    /// <summary>
    /// With every namespace watched, how long a namespace with no tail and nothing waiting for Loki keeps its
    /// per-namespace series; long enough that a rollout or a job's next run does not restart its counters.
    /// </summary>
    public TimeSpan NamespaceSeriesGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long /readyz waits for a pod watcher's answer before it counts it as not answering: shorter than the
    /// readiness probe's timeoutSeconds (3 in k8s/), so that the probe receives the 503 and its reason rather than
    /// giving up on the request first.
    /// </summary>
    public static readonly TimeSpan ReadinessAskTimeout = TimeSpan.FromSeconds(2);
}
