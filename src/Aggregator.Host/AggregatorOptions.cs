namespace Aggregator.Host;

/// <summary>
/// Every setting of the aggregator, bound from the "Aggregator" configuration section (appsettings.json,
/// environment variables such as <c>Aggregator__Loki__TenantId</c>, command-line options such as
/// <c>--Aggregator:Loki:TenantId=x</c>), with the original aggregator's variables mapped onto it.
/// </summary>
public sealed class AggregatorOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "Aggregator";

    /// <summary>MODE: <c>namespace</c> (one aggregator serves its namespaces) or <c>cluster</c> (members of an Akka.NET cluster share the tails).</summary>
    public string Mode { get; set; } = "namespace";

    /// <summary>How a member of the cluster mode finds the others.</summary>
    public ClusterModeOptions Cluster { get; set; } = new();

    /// <summary>NAMESPACE: one namespace, a comma-separated list, or <c>*</c> for all; default: the pod's own namespace.</summary>
    public string? Namespaces { get; set; }

    /// <summary>CLUSTER_NAME: adds a <c>cluster</c> label to every stream.</summary>
    public string? ClusterName { get; set; }

    /// <summary>IGNORE_APPS: comma-separated pod-name prefixes whose pods are not tailed.</summary>
    public string? IgnoreApps { get; set; }

    /// <summary>IGNORE_CONTAINERS: comma-separated container names that are not tailed.</summary>
    public string? IgnoreContainers { get; set; }

    /// <summary>POD_NAME (else HOSTNAME): the aggregator's own pod, never tailed.</summary>
    public string? PodName { get; set; }

    /// <summary>Only pods matching this label selector (e.g. <c>tier=web,env!=dev</c>) are tailed.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>Pod labels copied onto stream labels: pod label key to Loki label name.</summary>
    public Dictionary<string, string> PodLabels { get; set; } = [];

    /// <summary>Most label names per stream; mapped pod labels beyond it are left out (Loki 3 refuses more than 15).</summary>
    public int MaxLabelNames { get; set; } = 15;

    /// <summary>Seconds that shutdown waits for what was read to reach Loki (inside Kubernetes' 30 s grace period).</summary>
    public double ShutdownGraceSeconds { get; set; } = 25;

    /// <summary>Seconds between collections of the young GC generations; 0 leaves them to the GC.</summary>
    public double YoungGcIntervalSeconds { get; set; } = 1;

    /// <summary>Where the logs go.</summary>
    public LokiOptions Loki { get; set; } = new();

    /// <summary>How container logs are read.</summary>
    public TailOptions Tail { get; set; } = new();

    /// <summary>How lines are batched.</summary>
    public BatchOptions Batch { get; set; } = new();

    /// <summary>How the Kubernetes API is reached.</summary>
    public KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>LOG_FORMAT: the aggregator's own log, <c>Text</c> (one line per message) or <c>Json</c> (JSON lines).</summary>
    public string LogFormat { get; set; } = "Text";

    /// <summary>The admin endpoint that <c>aggregator ctl</c> talks to.</summary>
    public AdminOptions Admin { get; set; } = new();

    /// <summary>The Prometheus metrics and health endpoint.</summary>
    public MetricsOptions Metrics { get; set; } = new();
}

/// <summary>Admin endpoint settings; <c>aggregator ctl</c> reads the same ones to find the aggregator.</summary>
public sealed class AdminOptions
{
    /// <summary>The address to listen on; anything but loopback needs <see cref="Token"/>.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>ADMIN_PORT: the port to listen on (Petabridge.Cmd's 9110); 0 picks a free one.</summary>
    public int Port { get; set; } = 9110;

    /// <summary>ADMIN_TOKEN: a bearer token every admin request must carry; required off loopback.</summary>
    public string? Token { get; set; }
}

/// <summary>Metrics and health endpoint settings.</summary>
public sealed class MetricsOptions
{
    /// <summary>The address to listen on; <c>*</c> (the default) is every address, as Prometheus and the kubelet's probes need.</summary>
    public string Address { get; set; } = "*";

    /// <summary>METRICS_PORT: the port of <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>; 0 picks a free one.</summary>
    public int Port { get; set; } = 9102;

    /// <summary>/healthz fails when entries wait for Loki and no push attempt has finished for this many seconds.</summary>
    public double StuckAfterSeconds { get; set; } = 300;

    /// <summary>
    /// With NAMESPACE <c>*</c>: seconds a namespace with no tailed container and nothing waiting for Loki keeps its
    /// per-namespace series before they are removed.
    /// </summary>
    public double NamespaceSeriesGraceSeconds { get; set; } = 600;
}

/// <summary>Loki settings.</summary>
public sealed class LokiOptions
{
    /// <summary>LOKI_URL: base URL (<c>http://loki:3100</c>) or full push URL; unset: entries go to standard output as JSON lines.</summary>
    public string? Url { get; set; }

    /// <summary>X-Scope-OrgID for a multi-tenant Loki.</summary>
    public string? TenantId { get; set; }

    /// <summary>Basic authentication user name.</summary>
    public string? Username { get; set; }

    /// <summary>Basic authentication password.</summary>
    public string? Password { get; set; }

    /// <summary>A bearer token.</summary>
    public string? BearerToken { get; set; }

    /// <summary>A file holding a bearer token, re-read when it changes.</summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>A PEM file of CA certificates to trust for Loki's TLS certificate.</summary>
    public string? CaFile { get; set; }

    /// <summary>Seconds one push may take before it is retried.</summary>
    public double TimeoutSeconds { get; set; } = 30;

    /// <summary>Smallest wait between push retries, in milliseconds.</summary>
    public int RetryMinimumMilliseconds { get; set; } = 500;

    /// <summary>Largest wait between push retries, in seconds.</summary>
    public double RetryMaximumSeconds { get; set; } = 30;

    /// <summary>At start, ask Loki where each stream's stored lines end and resume there (no disk needed).</summary>
    public bool ResumeFromLoki { get; set; } = true;
}

/// <summary>Reading settings.</summary>
public sealed class TailOptions
{
    /// <summary>Lines longer than this many UTF-8 bytes are truncated (or dropped): Loki 3's max_line_size.</summary>
    public int MaxLineBytes { get; set; } = 256 * 1024;

    /// <summary>What to do with longer lines: Truncate (with a visible marker) or Drop.</summary>
    public string OverlongLines { get; set; } = "Truncate";

    /// <summary>Most log data held between reading and Loki's answer, in MiB; when it is full, reading waits.</summary>
    /// <remarks>
    /// Enough for sixteen lanes to push at full speed; more only made the catch-up of a backlog slower (the lines
    /// waiting in it outlive the young collections) and its peak higher than the namespace deployment's limit.
    /// </remarks>
    public int MaxBufferedMiB { get; set; } = 16;

    /// <summary>A follow stream quiet for three times its usual gap, and at least this many seconds, is reopened.</summary>
    public double StallMinimumQuietSeconds { get; set; } = 60;

    /// <summary>Seconds between checks for stalled streams.</summary>
    public double StallCheckIntervalSeconds { get; set; } = 5;
}

/// <summary>Batching settings.</summary>
public sealed class BatchOptions
{
    /// <summary>BATCH_SIZE: most lines in one batch.</summary>
    public int Size { get; set; } = 5000;

    /// <summary>BATCH_TIMEOUT: seconds a line waits at most for its batch to fill (fractions allowed).</summary>
    public double TimeoutSeconds { get; set; } = 1;

    /// <summary>Most bytes in one push request.</summary>
    public int MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>Number of batching lanes streams are spread over.</summary>
    public int Lanes { get; set; } = 16;
}

/// <summary>Kubernetes API settings; by default kubectl's search: KUBECONFIG, ~/.kube/config, then in-cluster.</summary>
public sealed class KubernetesOptions
{
    /// <summary>A kubeconfig file to use instead of the default search.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>A kubeconfig context to use instead of the current one.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// Seconds an ordinary API request (list, get) may take; KubernetesClient's HttpClientTimeout. Watches and
    /// log streams are long-running and never cut by it.
    /// </summary>
    public double RequestTimeoutSeconds { get; set; } = 100;

    /// <summary>Seconds a single watch request lasts before it is renewed.</summary>
    public int WatchTimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// Speak HTTP/1.1 to the API server even where it offers HTTP/2 (for a proxy in between that handles HTTP/2
    /// badly): every tailed container then holds a TLS connection of its own.
    /// </summary>
    public bool DisableHttp2 { get; set; }
}

/// <summary>Cluster mode settings: remoting, seeds, and how work moves between members.</summary>
public sealed class ClusterModeOptions
{
    /// <summary>The address other members reach this one at (its pod IP inside Kubernetes).</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>REMOTING_PORT: the Akka.Remote port; 0 picks a free one (then it cannot be a seed).</summary>
    public int Port { get; set; } = 4053;

    /// <summary>CLUSTER_SEEDS: comma-separated seed addresses such as <c>akka.tcp://aggregator@10.0.0.5:4053</c>.</summary>
    public string? Seeds { get; set; }

    /// <summary>Shards the tails are spread over; ten per expected member is plenty. Must be the same on every member.</summary>
    public int Shards { get; set; } = 50;

    /// <summary>Seconds between announcements of the running container instances to the shard region (what restarts moved tails).</summary>
    public double ReannounceSeconds { get; set; } = 10;

    /// <summary>Seconds the membership must be stable before the split-brain resolver downs unreachable members.</summary>
    public double StableAfterSeconds { get; set; } = 20;

    /// <summary>Seconds a handed-off tail waits for Loki to acknowledge what it read.</summary>
    public double HandOffFlushSeconds { get; set; } = 10;

    /// <summary>Without seeds: the Akka.Management port the members' cluster bootstrap talks to (named "management" on the pod).</summary>
    public int ManagementPort { get; set; } = 8558;

    /// <summary>Without seeds: the label selector that finds the other members' pods in this pod's namespace.</summary>
    public string DiscoverySelector { get; set; } = "app.kubernetes.io/name=log-aggregator,app.kubernetes.io/component=cluster";

    /// <summary>Without seeds: how many members cluster bootstrap must find before the first forms a new cluster.</summary>
    public int RequiredContactPoints { get; set; } = 2;
}
