using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>
/// Generated JSON metadata for the few API types the aggregator reads (pods, pod lists, watch events, statuses),
/// put in front of KubernetesClient's own resolver.
/// </summary>
/// <remarks>
/// KubernetesClient resolves types through a generated context of every type of the API, with reflection behind
/// it; its first use alone costs 13.8 MiB of resident memory in a bare process (BENCHMARKS.md). Types not listed
/// here still go to the library's resolvers, so nothing is read or written differently.
/// </remarks>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodList))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(Watcher<V1Pod>.WatchEvent))]
[JsonSerializable(typeof(Watcher<KubernetesObject>.WatchEvent))]
public sealed partial class PodJson : JsonSerializerContext
{
    /// <summary>
    /// Puts this context first in KubernetesClient's JSON options, unless something in the process has used those
    /// options already (they cannot change after their first use; the library's own resolvers then answer alone).
    /// </summary>
    public static void UseForKubernetesClient() => KubernetesJson.AddJsonOptions(PutFirst);

    /// <summary>Puts this context ahead of <paramref name="options"/>' resolvers, once, while they can still change.</summary>
    internal static void PutFirst(JsonSerializerOptions options)
    {
        // A process that builds several hosts (the tests) calls this more than once: the context goes in once.
        if (!options.IsReadOnly && options.TypeInfoResolver is { } library && !options.TypeInfoResolverChain.Contains(Default))
        {
            options.TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, library);
        }
    }
}
