namespace Aggregator.Simulation.Kubernetes;

/// <summary>Tunables of the <see cref="KubernetesApiDouble"/>.</summary>
public sealed record KubernetesDoubleOptions
{
    /// <summary>How often a watch that allows bookmarks receives a BOOKMARK event.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The container runtime splits longer lines (in UTF-8 bytes) into partial records of this size.</summary>
    public int MaxLinePartBytes { get; init; } = 16384;

    /// <summary>The node new pods are scheduled to (<c>spec.nodeName</c>).</summary>
    public string NodeName { get; init; } = "node-1";

    /// <summary>
    /// When set, the server ends every watch after this long even without <c>timeoutSeconds</c>,
    /// as the real API server does after a random 30–60 minutes.
    /// </summary>
    public TimeSpan? MaxWatchDuration { get; init; }

    /// <summary>The user requests are taken to come from; it appears in the 403 messages of injected faults.</summary>
    public string UserName { get; init; } = "system:serviceaccount:default:log-aggregator";

    /// <summary>
    /// Serve HTTPS as a real API server does: HTTP/2 to clients that offer it by ALPN, HTTP/1.1 to the others, with a
    /// certificate for 127.0.0.1 from a CA of the double's own, which <see cref="KubernetesApiDouble.WriteKubeconfig"/>
    /// names. Plain HTTP/1.1 otherwise.
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>
    /// HTTP/2 streams one connection may carry at once. The API server keeps Go's default, 250, unless
    /// <c>--http2-max-streams-per-connection</c> says otherwise; a client needs more connections beyond that.
    /// </summary>
    public int MaxStreamsPerConnection { get; init; } = 250;

    /// <summary>The simulated cluster's clock: pod and container times and default line timestamps (see <see cref="SimulatedClock"/>).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
