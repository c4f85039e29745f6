namespace Aggregator.Actors.Discovery;

/// <summary>Which pods and containers are tailed, and which labels their streams get.</summary>
public sealed record DiscoverySettings
{
    /// <summary>Pods whose name starts with one of these are not tailed (IGNORE_APPS).</summary>
    public IReadOnlyList<string> IgnorePodPrefixes { get; init; } = [];

    /// <summary>Containers with one of these names are not tailed (IGNORE_CONTAINERS).</summary>
    public IReadOnlyList<string> IgnoreContainers { get; init; } = [];

    /// <summary>The aggregator's own pod, never tailed (POD_NAME, else HOSTNAME).</summary>
    public string? SelfPodName { get; init; }

    /// <summary>Adds a <c>cluster</c> label to every stream when set (CLUSTER_NAME).</summary>
    public string? ClusterName { get; init; }

    /// <summary>Pod labels copied to stream labels: pod label key to Loki label name.</summary>
    public IReadOnlyDictionary<string, string> PodLabelMap { get; init; } = new Dictionary<string, string>();

    /// <summary>Most label names per stream (Loki 3's max_label_names_per_series is 15); mapped pod labels beyond it are left out.</summary>
    public int MaxLabelNames { get; init; } = 15;

    /// <summary>Only pods matching this Kubernetes label selector are watched, when set.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>How long one watch request may last before the server is asked to end it and it is renewed.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Backoff between failed list or watch requests, doubling up to the maximum.</summary>
    public TimeSpan RetryMinimum { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="RetryMinimum"/>
    public TimeSpan RetryMaximum { get; init; } = TimeSpan.FromSeconds(30);
}
