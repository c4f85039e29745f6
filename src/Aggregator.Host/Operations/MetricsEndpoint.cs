using System.Net;

namespace Aggregator.Host.Operations;

/// <summary>Where /metrics, /healthz and /readyz listen, and how long waiting entries may see no push attempt before /healthz fails.</summary>
public sealed record MetricsEndpoint(IPAddress Address, int Port, TimeSpan StuckAfter)
{
    /// <summary>Every address (Prometheus and the kubelet's probes come from outside the pod), port 9102.</summary>
    public static readonly MetricsEndpoint Default = new(IPAddress.Any, 9102, TimeSpan.FromMinutes(5));
}
