using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>
/// Generated JSON metadata for the few API types the aggregator reads (pods, pod lists, watch events, statuses),
/// put in front of KubernetesClient's own resolver; it leaves out the parts of a pod the aggregator never reads.
/// </summary>
/// <remarks>
/// KubernetesClient resolves types through a generated context of every type of the API, with reflection behind
/// it; its first use alone costs 13.8 MiB of resident memory in a bare process (BENCHMARKS.md). Types not listed
/// here still go to the library's resolvers. The watcher keeps every pod it watches, and a tail is planned from a
/// pod's name, namespace, labels and container statuses alone, so three parts are skipped unread, the way a
/// client-go informer's transform strips them: <c>metadata.managedFields</c> (the server-side-apply record of which
/// manager set which field, sent with every pod in every list and watch event, with no parameter to leave it out;
/// about half of a small pod's JSON), the pod's <c>spec</c> (containers, volumes, probes, tolerations: the larger
/// part of what remains in a real pod) and <c>status.conditions</c>. Code that comes to need one of them must take
/// it out of <see cref="LeaveOutUnread"/>; a test lists them.
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

    /// <summary>
    /// Whether clients built from <paramref name="configuration"/> read pods through this context. Each configuration
    /// copies the library's options the first time a client is built from it, so one built from before
    /// <see cref="UseForKubernetesClient"/> reads pods whole for good.
    /// </summary>
    public static bool TrimsPodsOf(KubernetesClientConfiguration configuration) =>
        configuration.JsonSerializerOptions.TypeInfoResolverChain.Contains(Trimmed);

    /// <summary>This context with the unread parts of a pod left out: what goes in front of the library's resolvers.</summary>
    public static IJsonTypeInfoResolver Trimmed => s_trimmed.Value;

    // Lazy: the generated Default is initialised in the other part of this class, in an order C# leaves open.
    private static readonly Lazy<IJsonTypeInfoResolver> s_trimmed = new(() => (Default ?? throw new InvalidOperationException("PodJson.Default is not initialised")).WithAddedModifier(LeaveOutUnread));

    /// <summary>Puts <see cref="Trimmed"/> ahead of <paramref name="options"/>' resolvers, once, while they can still change.</summary>
    internal static void PutFirst(JsonSerializerOptions options)
    {
        // A process that builds several hosts (the tests) calls this more than once: the context goes in once.
        if (!options.IsReadOnly && options.TypeInfoResolver is { } library && !options.TypeInfoResolverChain.Contains(Trimmed))
        {
            options.TypeInfoResolver = JsonTypeInfoResolver.Combine(Trimmed, library);
        }
    }

    // Without the property the reader skips the value as an unknown member: no object of it is ever made.
    private static void LeaveOutUnread(JsonTypeInfo type)
    {
        if (type.Type == typeof(V1ObjectMeta))
        {
            Remove(type, "managedFields");
        }
        else if (type.Type == typeof(V1Pod))
        {
            Remove(type, "spec");
        }
        else if (type.Type == typeof(V1PodStatus))
        {
            Remove(type, "conditions");
        }
    }

    private static void Remove(JsonTypeInfo type, string name)
    {
        if (type.Properties.FirstOrDefault(p => p.Name == name) is { } property)
        {
            type.Properties.Remove(property);
        }
    }
}
