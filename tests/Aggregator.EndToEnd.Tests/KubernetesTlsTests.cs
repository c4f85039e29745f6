using Aggregator.Simulation.Kubernetes;

namespace Aggregator.EndToEnd.Tests;

/// <summary>An API server over TLS, as every real one is: log streams go over HTTP/2, a few connections for many streams.</summary>
public sealed class KubernetesTlsTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 60_000)]
    public async Task Log_streams_share_HTTP2_connections_and_open_more_when_the_servers_stream_limit_is_reached()
    {
        // Four streams a connection: ten tailed containers need at least three, as 1,000 would need four at 250.
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Tls = true, MaxStreamsPerConnection = 4 });
        var pods = Enumerable.Range(0, 10).Select(i => $"web-{i}").ToArray();
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, ["app"], new Dictionary<string, string> { ["app"] = "web" });
            test.Kubernetes.StartPod(Ns, pod);
            test.Write(Ns, pod, "app", 30, "before start");
        }

        await test.StartAggregatorAsync();
        foreach (var pod in pods)
        {
            test.Write(Ns, pod, "app", 20, "while running");
        }

        var streams = pods.Select(pod => (Ns, pod, "app")).ToArray();
        await test.WaitForDeliveryAsync(streams);

        var report = test.Report(streams);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(10 * 50, report.Arrived);
        var requests = test.Kubernetes.LogRequests;
        Assert.All(requests, r => Assert.Equal("HTTP/2", r.Protocol));
        var connections = requests.Select(r => r.ConnectionId).Distinct().Count();
        Assert.InRange(connections, 3, requests.Count - 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task With_HTTP2_disabled_in_the_configuration_each_log_stream_has_its_own_HTTP11_connection()
    {
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Tls = true });
        var pods = new[] { "web-0", "web-1", "web-2" };
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, ["app"], new Dictionary<string, string> { ["app"] = "web" });
            test.Kubernetes.StartPod(Ns, pod);
            test.Write(Ns, pod, "app", 10, "before start");
        }

        await test.StartAggregatorAsync(("Aggregator:Kubernetes:DisableHttp2", "true"));

        var streams = pods.Select(pod => (Ns, pod, "app")).ToArray();
        await test.WaitForDeliveryAsync(streams);

        Assert.True(test.Report(streams).ExactlyOnce);
        var requests = test.Kubernetes.LogRequests;
        Assert.All(requests, r => Assert.Equal("HTTP/1.1", r.Protocol));
        Assert.Equal(requests.Count, requests.Select(r => r.ConnectionId).Distinct().Count());
    }
}
