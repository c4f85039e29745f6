using Aggregator.Simulation.Kubernetes;
using k8s;
using k8s.Autorest;
using Xunit;
using static Aggregator.Simulation.Tests.Kubernetes.KubernetesTestKit;

namespace Aggregator.Simulation.Tests.Kubernetes;

public sealed class KubernetesDoublePodTests
{
    [Fact(Timeout = 30000)]
    public async Task The_real_client_lists_pods_with_their_container_states_and_a_resource_version()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "web", ["app", "sidecar"], new Dictionary<string, string> { ["app"] = "web" });

        var pending = await client.CoreV1.ListNamespacedPodAsync("default");
        cluster.StartPod("default", "web");
        var running = await client.CoreV1.ListNamespacedPodAsync("default");

        var before = Assert.Single(pending.Items);
        Assert.Equal("Pending", before.Status.Phase);
        Assert.All(before.Status.ContainerStatuses, s =>
        {
            Assert.Equal("ContainerCreating", s.State.Waiting.Reason);
            Assert.Null(s.ContainerID);
        });
        var after = Assert.Single(running.Items);
        Assert.Equal("Running", after.Status.Phase);
        Assert.Equal("web", after.Metadata.Labels["app"]);
        Assert.All(after.Status.ContainerStatuses, s =>
        {
            Assert.Matches("^containerd://[0-9a-f]{64}$", s.ContainerID);
            Assert.NotNull(s.State.Running.StartedAt);
            Assert.Equal(0, s.RestartCount);
        });
        Assert.True(long.Parse(running.Metadata.ResourceVersion) > long.Parse(pending.Metadata.ResourceVersion));
        Assert.Equal(running.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(2, cluster.ListRequestCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Listed_pods_carry_the_managed_fields_a_real_api_server_records()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "web", ["app", "sidecar"], new Dictionary<string, string> { ["app"] = "web" });
        cluster.StartPod("default", "web");

        var pod = Assert.Single((await client.CoreV1.ListNamespacedPodAsync("default")).Items);

        Assert.Collection(
            pod.Metadata.ManagedFields,
            spec =>
            {
                Assert.Equal(("kube-controller-manager", "Update", "FieldsV1", null), (spec.Manager, spec.Operation, spec.FieldsType, spec.Subresource));
                var fields = Assert.IsType<System.Text.Json.JsonElement>(spec.FieldsV1);
                Assert.True(fields.GetProperty("f:metadata").GetProperty("f:labels").TryGetProperty("f:app", out _));
                Assert.True(fields.GetProperty("f:spec").GetProperty("f:containers").TryGetProperty("k:{\"name\":\"sidecar\"}", out _));
            },
            status =>
            {
                Assert.Equal(("kubelet", "status"), (status.Manager, status.Subresource));
                var fields = Assert.IsType<System.Text.Json.JsonElement>(status.FieldsV1);
                Assert.True(fields.GetProperty("f:status").GetProperty("f:conditions").TryGetProperty("k:{\"type\":\"Ready\"}", out _));
            });
    }

    [Fact(Timeout = 30000)]
    public async Task Kubeconfig_names_a_plain_http_server_and_the_default_namespace()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        var path = cluster.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}.yaml"));

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

        Assert.Equal(cluster.BaseUri.GetLeftPart(UriPartial.Authority), config.Host.TrimEnd('/'));
        Assert.Equal("default", config.Namespace);
        Assert.Equal("127.0.0.1", cluster.BaseUri.Host);
    }

    [Fact(Timeout = 30000)]
    public async Task A_missing_pod_is_a_404_status_body()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);

        var (status, body) = await GetAsync(cluster, "/api/v1/namespaces/default/pods/ghost");
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("ghost", "default"));

        Assert.Equal(404, status);
        var json = Json(body);
        Assert.Equal("Status", json.GetProperty("kind").GetString());
        Assert.Equal("v1", json.GetProperty("apiVersion").GetString());
        Assert.Equal("Failure", json.GetProperty("status").GetString());
        Assert.Equal("pods \"ghost\" not found", json.GetProperty("message").GetString());
        Assert.Equal("NotFound", json.GetProperty("reason").GetString());
        Assert.Equal(404, json.GetProperty("code").GetInt32());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task Label_selectors_filter_lists_across_namespaces()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("a", "one", ["c"], new Dictionary<string, string> { ["app"] = "x", ["tier"] = "web" });
        cluster.CreatePod("b", "two", ["c"], new Dictionary<string, string> { ["app"] = "x", ["tier"] = "db" });
        cluster.CreatePod("b", "three", ["c"], new Dictionary<string, string> { ["app"] = "y" });

        var all = await client.CoreV1.ListPodForAllNamespacesAsync();
        var selected = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: "app=x,tier!=db");
        var inB = await client.CoreV1.ListNamespacedPodAsync("b", labelSelector: "app in (x, y)");

        Assert.Equal(["one", "three", "two"], all.Items.Select(p => p.Metadata.Name));
        Assert.Equal("one", Assert.Single(selected.Items).Metadata.Name);
        Assert.Equal(["three", "two"], inB.Items.Select(p => p.Metadata.Name));
    }

    [Fact(Timeout = 30000)]
    public async Task Init_and_ephemeral_containers_have_their_own_statuses()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "p", ["app"], initContainers: ["migrate"]);

        cluster.StartInitContainer("default", "p", "migrate");
        var initializing = await client.CoreV1.ReadNamespacedPodAsync("p", "default");
        cluster.CompleteInitContainer("default", "p", "migrate");
        cluster.StartPod("default", "p");
        cluster.AddEphemeralContainer("default", "p", "debugger");
        var running = await client.CoreV1.ReadNamespacedPodAsync("p", "default");

        Assert.Equal("Pending", initializing.Status.Phase);
        Assert.NotNull(Assert.Single(initializing.Status.InitContainerStatuses).State.Running);
        Assert.Equal("PodInitializing", Assert.Single(initializing.Status.ContainerStatuses).State.Waiting.Reason);
        var init = Assert.Single(running.Status.InitContainerStatuses);
        Assert.Equal(0, init.State.Terminated.ExitCode);
        Assert.Equal(init.ContainerID, init.State.Terminated.ContainerID);
        var debug = Assert.Single(running.Status.EphemeralContainerStatuses);
        Assert.Equal("debugger", debug.Name);
        Assert.NotNull(debug.State.Running);
        Assert.Equal("debugger", Assert.Single(running.Spec.EphemeralContainers).Name);
        Assert.Equal("migrate", Assert.Single(running.Spec.InitContainers).Name);
    }

    [Fact(Timeout = 30000)]
    public async Task Injected_faults_answer_with_a_status_of_that_code()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["c"]);
        cluster.FailRequests(request => request.Path.Value!.EndsWith("/pods", StringComparison.Ordinal) ? 503 : null);

        var (failed, body) = await GetAsync(cluster, "/api/v1/namespaces/default/pods");
        var (single, _) = await GetAsync(cluster, "/api/v1/namespaces/default/pods/p");
        cluster.FailRequests(null);
        var (healed, _) = await GetAsync(cluster, "/api/v1/namespaces/default/pods");

        Assert.Equal(503, failed);
        Assert.Equal("ServiceUnavailable", Json(body).GetProperty("reason").GetString());
        Assert.Equal(200, single);
        Assert.Equal(200, healed);
    }
    [Fact(Timeout = 30000)]
    public async Task List_items_carry_no_kind_but_single_pods_and_watch_objects_do()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["c"]);

        var list = Json((await GetAsync(cluster, "/api/v1/namespaces/default/pods")).Body);
        var single = Json((await GetAsync(cluster, "/api/v1/namespaces/default/pods/p")).Body);

        Assert.Equal("PodList", list.GetProperty("kind").GetString());
        Assert.Equal(cluster.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        Assert.False(list.GetProperty("items")[0].TryGetProperty("kind", out _));
        Assert.Equal("Pod", single.GetProperty("kind").GetString());
        Assert.Equal("node-1", single.GetProperty("spec").GetProperty("nodeName").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task An_unscheduled_pod_has_no_container_statuses_and_an_empty_log()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "p", ["c"], nodeName: "");

        var pod = await client.CoreV1.ReadNamespacedPodAsync("p", "default");
        var log = await GetAsync(cluster, "/api/v1/namespaces/default/pods/p/log?follow=true");
        cluster.StartPod("default", "p");
        var started = await client.CoreV1.ReadNamespacedPodAsync("p", "default");

        Assert.Null(pod.Spec.NodeName);
        Assert.Null(pod.Status.ContainerStatuses);
        Assert.Equal((200, ""), log);
        Assert.Equal("node-1", started.Spec.NodeName);
        Assert.NotNull(Assert.Single(started.Status.ContainerStatuses).State.Running);
    }
}
