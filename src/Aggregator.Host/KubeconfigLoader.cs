using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Aggregator.Host;

/// <summary>
/// Finds and reads the kubeconfig as kubectl does, and hands KubernetesClient the parsed file. KubernetesClient's own
/// loader goes through its general YAML reader, whose first use prepares every API type of the library: 9–16 MiB of
/// the aggregator's peak resident memory (34 MiB in a bare process) to read a file of twenty lines. The kubeconfig
/// types carry their own YAML names, so a plain reader of just those types reads the same files.
/// </summary>
internal static class KubeconfigLoader
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>
    /// The configuration from <paramref name="path"/> if given; otherwise from the files KUBECONFIG lists (merged,
    /// the first to name a cluster, user or context wins; files that do not exist are skipped, as kubectl does), then
    /// ~/.kube/config, then the pod's service account.
    /// </summary>
    public static KubernetesClientConfiguration Load(string? path, string? context) =>
        Load(path, context, Environment.GetEnvironmentVariable("KUBECONFIG"), KubernetesClientConfiguration.KubeConfigDefaultLocation);

    /// <summary>As <see cref="Load(string?, string?)"/>, with KUBECONFIG's value and the default file given.</summary>
    internal static KubernetesClientConfiguration Load(string? path, string? context, string? kubeconfigVariable, string defaultFile)
    {
        var files = Files(path, kubeconfigVariable, defaultFile);
        if (files.Count == 0)
        {
            if (context is { Length: > 0 })
            {
                throw new KubeConfigException($"no kubeconfig file to take context '{context}' from");
            }

            // Not KubernetesClient's last resort (http://localhost:8080): an aggregator pointed nowhere should say so.
            return KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : throw new KubeConfigException($"no kubeconfig ({defaultFile} does not exist and KUBECONFIG is not set) and not running in a pod");
        }

        var merged = Read(files[0]);
        foreach (var file in files.Skip(1))
        {
            Merge(merged, Read(file));
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context is { Length: > 0 } ? context : null);
    }

    private static List<string> Files(string? path, string? kubeconfigVariable, string defaultFile)
    {
        if (path is { Length: > 0 })
        {
            return [path];
        }

        if (kubeconfigVariable is { Length: > 0 } listed)
        {
            var entries = listed.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var existing = entries.Where(File.Exists).ToList();
            return existing.Count > 0
                ? existing
                : throw new KubeConfigException($"KUBECONFIG is '{listed}', and none of the files it names exists");
        }

        return File.Exists(defaultFile) ? [defaultFile] : [];
    }

    /// <summary>Parses one kubeconfig file; its relative certificate paths are then taken from its directory.</summary>
    private static K8SConfiguration Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new KubeConfigException($"kubeconfig file not found at {full}");
        }

        K8SConfiguration? configuration;
        try
        {
            configuration = Reader.Deserialize<K8SConfiguration?>(File.ReadAllText(full));
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"{full} is not a kubeconfig: {e.Message} at line {e.Start.Line}");
        }

        if (configuration is null)
        {
            throw new KubeConfigException($"{full} is empty");
        }

        configuration.FileName = full;
        configuration.Clusters ??= [];
        configuration.Users ??= [];
        configuration.Contexts ??= [];
        return configuration;
    }

    private static void Merge(K8SConfiguration into, K8SConfiguration from)
    {
        into.CurrentContext ??= from.CurrentContext;
        into.Clusters = FirstByName(into.Clusters, from.Clusters, c => c.Name);
        into.Users = FirstByName(into.Users, from.Users, u => u.Name);
        into.Contexts = FirstByName(into.Contexts, from.Contexts, c => c.Name);
    }

    private static List<T> FirstByName<T>(IEnumerable<T> first, IEnumerable<T> then, Func<T, string> name) =>
        [.. first.Concat(then).DistinctBy(name, StringComparer.Ordinal)];
}
