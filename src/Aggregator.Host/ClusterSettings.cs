namespace Aggregator.Host;

/// <summary>The validated settings of a cluster-mode member.</summary>
/// <param name="Hostname">The address other members reach this one at.</param>
/// <param name="Port">The remoting port (0: a free one).</param>
/// <param name="Seeds">Seed node addresses; empty: the members find each other with cluster bootstrap (<see cref="Bootstrap"/>).</param>
/// <param name="Shards">Shards the tails are spread over.</param>
/// <param name="Reannounce">Interval at which watchers announce the running instances again.</param>
/// <param name="StableAfter">How long the membership must be stable before the split-brain resolver acts.</param>
/// <param name="HandOffFlush">How long a handed-off tail waits for Loki's acknowledgement.</param>
public sealed record ClusterSettings(
    string Hostname, int Port, IReadOnlyList<string> Seeds, int Shards, TimeSpan Reannounce, TimeSpan StableAfter, TimeSpan HandOffFlush)
{
    /// <summary>The actor system's name: seed addresses must name it.</summary>
    public const string SystemName = "aggregator";

    /// <summary>
    /// Where remoting listens: the <see cref="Hostname"/> when it is an address; every address when it is a name (a
    /// StatefulSet member's DNS record, which the seeds name and the member advertises, but which need not resolve yet
    /// when the member starts).
    /// </summary>
    public string BindHostname => Hostname switch
    {
        _ when System.Net.IPAddress.TryParse(Hostname, out _) => Hostname,
        // Remoting has no authentication: a member named localhost stays on loopback.
        "localhost" => "127.0.0.1",
        _ => "0.0.0.0",
    };

    /// <summary>Without seeds, how Akka.Management cluster bootstrap finds the other members through the Kubernetes API; null with seeds.</summary>
    public KubernetesBootstrap? Bootstrap { get; init; }

    /// <summary>How often shipped positions are written to Distributed Data.</summary>
    public TimeSpan PositionsFlush { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How old a stream's newest shipped line may be before its position is removed. A tail of a stream quiet for
    /// longer that moves asks Loki instead (or reads from the log's start, which Loki drops as identical).
    /// </summary>
    public TimeSpan PositionsRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Checks <paramref name="options"/>; throws <see cref="ConfigurationException"/> with a one-line message.</summary>
    public static ClusterSettings From(ClusterModeOptions options)
    {
        var seeds = (options.Seeds ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var seed in seeds)
        {
            if (!seed.StartsWith($"akka.tcp://{SystemName}@", StringComparison.Ordinal))
            {
                throw new ConfigurationException($"CLUSTER_SEEDS (Aggregator:Cluster:Seeds) has '{seed}': expected akka.tcp://{SystemName}@host:port");
            }
        }

        var bootstrap = seeds.Length > 0 ? null : new KubernetesBootstrap(
            options.ManagementPort is > 0 and <= 65535 ? options.ManagementPort : throw new ConfigurationException($"Aggregator:Cluster:ManagementPort is {options.ManagementPort}: expected 1 to 65535"),
            string.IsNullOrWhiteSpace(options.DiscoverySelector) ? throw new ConfigurationException("Aggregator:Cluster:DiscoverySelector is empty: expected a label selector such as app.kubernetes.io/name=log-aggregator") : options.DiscoverySelector.Trim(),
            options.RequiredContactPoints is >= 1 and <= 100 ? options.RequiredContactPoints : throw new ConfigurationException($"Aggregator:Cluster:RequiredContactPoints is {options.RequiredContactPoints}: expected 1 to 100"));
        return new ClusterSettings(
            string.IsNullOrWhiteSpace(options.Hostname) ? "127.0.0.1" : options.Hostname.Trim(),
            options.Port is >= 0 and <= 65535 ? options.Port : throw new ConfigurationException($"REMOTING_PORT (Aggregator:Cluster:Port) is {options.Port}: expected 0 to 65535"),
            seeds,
            options.Shards is >= 1 and <= 10_000 ? options.Shards : throw new ConfigurationException($"Aggregator:Cluster:Shards is {options.Shards}: expected 1 to 10000"),
            Seconds(options.ReannounceSeconds, "Aggregator:Cluster:ReannounceSeconds"),
            Seconds(options.StableAfterSeconds, "Aggregator:Cluster:StableAfterSeconds"),
            Seconds(options.HandOffFlushSeconds, "Aggregator:Cluster:HandOffFlushSeconds"))
        {
            Bootstrap = bootstrap,
        };
    }

    // The same bounds as every other number of seconds: a huge one would overflow TimeSpan instead of naming its key.
    private static TimeSpan Seconds(double value, string key) => TimeSpan.FromSeconds(AggregatorSettings.Positive(value, key));
}
