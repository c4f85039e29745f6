using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Aggregator.Actors.Discovery;
using k8s;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Discovery;

/// <summary>The generated pod metadata reads and writes what KubernetesClient's own resolvers do, less the parts of a pod the aggregator never reads.</summary>
public sealed class PodJsonTests
{
    // What the API server sends for a pod: owner, labels, init and app containers, resources, probes on named and
    // numbered ports, every container state, and timestamps with seconds, microseconds and nanoseconds.
    private const string PodJsonText = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d4b9c-x2k4q","namespace":"shop","uid":"6f1c","resourceVersion":"123",
        "creationTimestamp":"2026-11-25T10:00:00Z","labels":{"app":"web","pod-template-hash":"7d4b9c"},"annotations":{"note":"a \"quoted\" value"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c","uid":"9a","controller":true,"blockOwnerDeletion":true}]},
        "spec":{"nodeName":"node-1","restartPolicy":"Always","terminationGracePeriodSeconds":30,
        "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"]}],
        "containers":[{"name":"app","image":"web:1","ports":[{"containerPort":8080,"name":"http","protocol":"TCP"}],
        "resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"0.1","memory":"128974848"}},
        "readinessProbe":{"httpGet":{"path":"/ready","port":"http"},"periodSeconds":5},"livenessProbe":{"tcpSocket":{"port":8080}}},
        {"name":"sidecar","image":"proxy:2","env":[{"name":"MODE","value":"fast"}]}]},
        "status":{"phase":"Running","podIP":"10.0.0.7","startTime":"2026-11-25T10:00:01Z",
        "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-25T10:00:09Z"}],
        "initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"image":"busybox","imageID":"sha256:1",
        "state":{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"2026-11-25T10:00:02Z","finishedAt":"2026-11-25T10:00:03.123456Z","containerID":"containerd://i"}}}],
        "containerStatuses":[{"name":"app","ready":true,"restartCount":2,"image":"web:1","imageID":"sha256:2","containerID":"containerd://a",
        "state":{"running":{"startedAt":"2026-11-25T10:00:04.123456789Z"}},
        "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":"2026-11-25T09:59:00Z","finishedAt":"2026-11-25T10:00:03Z"}}},
        {"name":"sidecar","ready":false,"restartCount":5,"image":"proxy:2","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s"}}}]}}
        """;

    [Fact]
    public void A_pod_reads_and_writes_the_same_through_the_generated_metadata_as_through_the_library_less_what_is_never_read()
    {
        var library = JsonSerializer.Serialize(Unread(JsonSerializer.Deserialize<V1Pod>(PodJsonText, LibraryOnly())!), LibraryOnly());
        // The restated settings are the library's: its own options read and write the pod the same — less the unread
        // parts once a test of this process has built a host, which puts the generated metadata in front of them.
        Assert.Contains(
            KubernetesJson.Serialize(KubernetesJson.Deserialize<V1Pod>(PodJsonText)),
            new[] { JsonSerializer.Serialize(JsonSerializer.Deserialize<V1Pod>(PodJsonText, LibraryOnly()), LibraryOnly()), library });
        var generated = JsonSerializer.Serialize(JsonSerializer.Deserialize<V1Pod>(PodJsonText, GeneratedFirst()), GeneratedFirst());

        Assert.Equal(library, generated);
        // The library's own converters still apply: timestamps are written in its RFC 3339 form, not .NET's.
        Assert.Contains("\"startedAt\":\"2026-11-25T10:00:04.123456Z\"", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watch_event_and_a_pod_list_read_the_same_through_the_generated_metadata_as_through_the_library_less_what_is_never_read()
    {
        var watchEvent = "{\"type\":\"MODIFIED\",\"object\":" + PodJsonText + "}";
        var list = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"124\"},\"items\":[" + PodJsonText + "]}";

        var libraryEvent = JsonSerializer.Deserialize<Watcher<V1Pod>.WatchEvent>(watchEvent, LibraryOnly())!;
        Unread(libraryEvent.Object);
        Assert.Equal(
            JsonSerializer.Serialize(libraryEvent, LibraryOnly()),
            JsonSerializer.Serialize(JsonSerializer.Deserialize<Watcher<V1Pod>.WatchEvent>(watchEvent, GeneratedFirst()), GeneratedFirst()));
        var libraryList = JsonSerializer.Deserialize<V1PodList>(list, LibraryOnly())!;
        libraryList.Items.ToList().ForEach(pod => Unread(pod));
        Assert.Equal(
            JsonSerializer.Serialize(libraryList, LibraryOnly()),
            JsonSerializer.Serialize(JsonSerializer.Deserialize<V1PodList>(list, GeneratedFirst()), GeneratedFirst()));
    }

    [Fact]
    public void Managed_fields_the_spec_and_the_conditions_are_left_out_and_what_the_aggregator_reads_is_kept()
    {
        const string ManagedFields = """
            "managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-11-25T10:00:00Z",
            "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}}},
            {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-25T10:00:09Z","fieldsType":"FieldsV1","subresource":"status",
            "fieldsV1":{"f:status":{"f:phase":{},"f:podIP":{}}}}],
            """;
        var withManagedFields = PodJsonText.Replace("\"metadata\":{", "\"metadata\":{" + ManagedFields, StringComparison.Ordinal);
        var full = JsonSerializer.Deserialize<V1Pod>(withManagedFields, LibraryOnly())!;
        Assert.NotNull(full.Metadata.ManagedFields);
        Assert.NotNull(full.Spec);
        Assert.NotNull(full.Status.Conditions);

        var pod = JsonSerializer.Deserialize<V1Pod>(withManagedFields, GeneratedFirst())!;

        Assert.Null(pod.Metadata.ManagedFields);
        Assert.Null(pod.Spec);
        Assert.Null(pod.Status.Conditions);
        // What tails are planned and labelled from is all there.
        Assert.Equal("web", pod.Metadata.Labels["app"]);
        Assert.Equal(["init"], pod.Status.InitContainerStatuses.Select(s => s.Name));
        Assert.Equal("containerd://a", pod.Status.ContainerStatuses[0].ContainerID);
        Assert.NotNull(pod.Status.ContainerStatuses[0].LastState.Terminated);
        Assert.Equal("Running", pod.Status.Phase);
    }

    [Fact]
    public void The_metadata_goes_ahead_of_the_existing_resolvers_once_and_never_into_options_already_in_use()
    {
        var library = new DefaultJsonTypeInfoResolver();
        var options = new JsonSerializerOptions { TypeInfoResolver = library };

        PodJson.PutFirst(options);
        PodJson.PutFirst(options);

        Assert.Equal([PodJson.Trimmed, library], options.TypeInfoResolverChain);

        var inUse = new JsonSerializerOptions { TypeInfoResolver = library };
        _ = JsonSerializer.Serialize(new V1ObjectMeta { Name = "x" }, inUse);
        PodJson.PutFirst(inUse);
        Assert.Equal([library], inUse.TypeInfoResolverChain);
    }

    // The library's reading of a pod with what the aggregator never reads taken away: what the generated metadata reads.
    private static V1Pod Unread(V1Pod pod)
    {
        pod.Metadata.ManagedFields = null;
        pod.Spec = null;
        pod.Status.Conditions = null;
        return pod;
    }

    // KubernetesClient's settings (KubernetesJson's static constructor), with the generated metadata first.
    private static JsonSerializerOptions GeneratedFirst() =>
        KubernetesClientSettings(JsonTypeInfoResolver.Combine(PodJson.Trimmed, new DefaultJsonTypeInfoResolver()));

    // The same settings without the generated metadata: the reference. Not KubernetesJson's own options, which any
    // test that builds an aggregator host has given the generated metadata already.
    private static JsonSerializerOptions LibraryOnly() => KubernetesClientSettings(new DefaultJsonTypeInfoResolver());

    private static JsonSerializerOptions KubernetesClientSettings(IJsonTypeInfoResolver resolver)
    {
        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = resolver,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.Converters.Add(new V1Status.V1StatusObjectViewConverter());
        return options;
    }
}
