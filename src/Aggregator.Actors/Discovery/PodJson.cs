using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>
/// Generated JSON metadata for the few API types the aggregator reads (pods, pod lists, watch events, statuses),
/// put in front of KubernetesClient's own resolver; it leaves out objects' managed fields.
/// </summary>
/// <remarks>
/// KubernetesClient resolves types through a generated context of every type of the API, with reflection behind
/// it; its first use alone costs 13.8 MiB of resident memory in a bare process (BENCHMARKS.md). Types not listed
/// here still go to the library's resolvers. One thing is read differently: <c>metadata.managedFields</c>, the
/// server-side-apply record of which manager set which field, is skipped unread. The API server sends it with
/// every pod in every list and watch event (there is no parameter to leave it out), it is about half of a small
/// pod's JSON, and the aggregator, which keeps every pod it watches, never looks at it.
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

    /// <summary>This context with objects' managed fields left out: what goes in front of the library's resolvers.</summary>
    public static IJsonTypeInfoResolver WithoutManagedFields => s_withoutManagedFields.Value;

    // Lazy: the generated Default is initialised in the other part of this class, in an order C# leaves open.
    private static readonly Lazy<IJsonTypeInfoResolver> s_withoutManagedFields = new(() => (Default ?? throw new InvalidOperationException("PodJson.Default is not initialised")).WithAddedModifier(LeaveOutManagedFields));

    /// <summary>Puts <see cref="WithoutManagedFields"/> ahead of <paramref name="options"/>' resolvers, once, while they can still change.</summary>
    internal static void PutFirst(JsonSerializerOptions options)
    {
        // A process that builds several hosts (the tests) calls this more than once: the context goes in once.
        if (!options.IsReadOnly && options.TypeInfoResolver is { } library && !options.TypeInfoResolverChain.Contains(WithoutManagedFields))
        {
            options.TypeInfoResolver = JsonTypeInfoResolver.Combine(WithoutManagedFields, library);
        }
    }

    // Without the property the reader skips the value as an unknown member: no object of it is ever made.
    private static void LeaveOutManagedFields(JsonTypeInfo type)
    {
        if (type.Type == typeof(V1ObjectMeta) && type.Properties.FirstOrDefault(p => p.Name == "managedFields") is { } managedFields)
        {
            type.Properties.Remove(managedFields);
        }
    }
}
