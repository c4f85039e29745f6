using System.Collections;

namespace Aggregator.Host;

/// <summary>
/// The original aggregator's environment variables, and the short ones of the operations endpoints, mapped onto
/// the keys of <see cref="AggregatorOptions"/>.
/// </summary>
public static class LegacyEnvironment
{
    /// <summary>Variable name to configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["NAMESPACE"] = "Aggregator:Namespaces",
        ["LOKI_URL"] = "Aggregator:Loki:Url",
        ["CLUSTER_NAME"] = "Aggregator:ClusterName",
        ["BATCH_SIZE"] = "Aggregator:Batch:Size",
        ["BATCH_TIMEOUT"] = "Aggregator:Batch:TimeoutSeconds",
        ["IGNORE_APPS"] = "Aggregator:IgnoreApps",
        ["IGNORE_CONTAINERS"] = "Aggregator:IgnoreContainers",
        ["POD_NAME"] = "Aggregator:PodName",
        ["ADMIN_PORT"] = "Aggregator:Admin:Port",
        ["ADMIN_TOKEN"] = "Aggregator:Admin:Token",
        ["METRICS_PORT"] = "Aggregator:Metrics:Port",
        ["LOG_FORMAT"] = "Aggregator:LogFormat",
        ["MODE"] = "Aggregator:Mode",
        ["CLUSTER_SEEDS"] = "Aggregator:Cluster:Seeds",
        ["REMOTING_PORT"] = "Aggregator:Cluster:Port",
        // Inside Kubernetes the downward API gives the pod IP, the address the other members reach this one at.
        ["POD_IP"] = "Aggregator:Cluster:Hostname",
    };

    /// <summary>The configuration entries the variables set; POD_NAME falls back to HOSTNAME, as a pod's hostname is its name.</summary>
    public static Dictionary<string, string?> Read(IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (environment["HOSTNAME"] is string hostname && hostname.Length > 0)
        {
            values["Aggregator:PodName"] = hostname;
        }

        foreach (var (variable, key) in Keys)
        {
            if (environment[variable] is string value && value.Length > 0)
            {
                values[key] = value;
            }
        }

        return values;
    }

    /// <summary>The name a user knows a key by: the legacy variable when there is one, else the key itself.</summary>
    public static string NameOf(string key)
    {
        foreach (var (variable, mapped) in Keys)
        {
            if (string.Equals(mapped, key, StringComparison.OrdinalIgnoreCase))
            {
                return $"{variable} ({key})";
            }
        }

        return key;
    }
}
