using System.Threading.Channels;
using Aggregator.Simulation.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;
using static Aggregator.Simulation.Tests.Kubernetes.KubernetesTestKit;

namespace Aggregator.Simulation.Tests.Kubernetes;

public sealed class KubernetesDoubleWatchTests
{
    [Fact(Timeout = 30000)]
    public async Task The_real_client_watching_from_a_listed_version_receives_later_changes()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "old", ["c"]);
        var list = await client.CoreV1.ListNamespacedPodAsync("default");
        var events = Channel.CreateUnbounded<(WatchEventType Type, V1Pod Pod)>();
        using var stop = new CancellationTokenSource();

        var watching = Task.Run(async () =>
        {
            await foreach (var change in client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
            {
                await events.Writer.WriteAsync(change);
            }
        });
        await WaitUntilAsync(() => cluster.WatchRequestCount == 1, "the watch is open");
        cluster.CreatePod("default", "new", ["c"]);
        cluster.StartPod("default", "new");
        cluster.DeletePod("default", "new");

        var received = new List<(WatchEventType Type, V1Pod Pod)>();
        for (var i = 0; i < 3; i++)
        {
            received.Add(await events.Reader.ReadAsync());
        }

        await stop.CancelAsync();
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], received.Select(e => e.Type));
        Assert.All(received, e => Assert.Equal("new", e.Pod.Metadata.Name));
        Assert.Equal("Running", received[1].Pod.Status.Phase);
        var versions = received.Select(e => long.Parse(e.Pod.Metadata.ResourceVersion)).ToList();
        Assert.True(versions.SequenceEqual(versions.Order()) && versions[0] > long.Parse(list.Metadata.ResourceVersion));
        try
        {
            await watching.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Cancelling is how a client stops watching.
        }
    }

    [Fact(Timeout = 30000)]
    public async Task A_watch_from_an_expired_version_reaches_the_clients_onError_as_410_and_ends()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        var list = await client.CoreV1.ListNamespacedPodAsync("default");
        cluster.CreatePod("default", "p", ["c"]);
        cluster.ExpireWatchHistory();
        var errors = new List<Exception>();
        var delivered = 0;

        await foreach (var _ in client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add))
        {
            delivered++;
        }

        Assert.Equal(0, delivered);
        var expired = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.StartsWith($"too old resource version: {list.Metadata.ResourceVersion} (", expired.Status.Message, StringComparison.Ordinal);

        var fresh = await client.CoreV1.ListNamespacedPodAsync("default");
        var (response, reader) = await OpenAsync(cluster, $"/api/v1/namespaces/default/pods?watch=true&resourceVersion={fresh.Metadata.ResourceVersion}&timeoutSeconds=1");
        using (response)
        {
            Assert.Null(await ReadLineWithin(reader));
        }
    }

    [Fact(Timeout = 30000)]
    public async Task A_watch_without_a_version_starts_with_a_synthetic_added_per_existing_pod()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "a", ["c"], new Dictionary<string, string> { ["app"] = "x" });
        cluster.CreatePod("default", "b", ["c"], new Dictionary<string, string> { ["app"] = "y" });
        cluster.CreatePod("other", "c", ["c"], new Dictionary<string, string> { ["app"] = "x" });

        var (response, reader) = await OpenAsync(cluster, "/api/v1/pods?watch=1&labelSelector=app%3Dx");
        using (response)
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Content.Headers.ContentLength);
            var first = Json((await ReadLineWithin(reader))!);
            var second = Json((await ReadLineWithin(reader))!);
            cluster.StartPod("default", "b");
            cluster.StartPod("other", "c");
            var third = Json((await ReadLineWithin(reader))!);

            Assert.Equal("ADDED", first.GetProperty("type").GetString());
            Assert.Equal("ADDED", second.GetProperty("type").GetString());
            Assert.Equal(["a", "c"], new[] { first, second }.Select(e => e.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString()).Order());
            Assert.Equal("MODIFIED", third.GetProperty("type").GetString());
            Assert.Equal("c", third.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
        }
    }

    [Theory(Timeout = 30000)]
    [InlineData("true")]
    [InlineData("True")]
    [InlineData("TRUE")]
    [InlineData("t")]
    [InlineData("1")]
    public async Task Watch_accepts_go_boolean_spellings(string value)
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "a", ["c"]);

        var (response, reader) = await OpenAsync(cluster, $"/api/v1/namespaces/default/pods?watch={value}");
        using (response)
        {
            Assert.Equal("ADDED", Json((await ReadLineWithin(reader))!).GetProperty("type").GetString());
            Assert.Equal(1, cluster.WatchRequestCount);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Bookmarks_carry_only_a_newer_resource_version()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync(new KubernetesDoubleOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        var start = cluster.ResourceVersion;

        var (response, reader) = await OpenAsync(cluster, $"/api/v1/namespaces/default/pods?watch=true&resourceVersion={start}&allowWatchBookmarks=true");
        using (response)
        {
            cluster.CreatePod("elsewhere", "p", ["c"]);
            var bookmark = Json((await ReadLineWithin(reader))!);

            Assert.Equal("BOOKMARK", bookmark.GetProperty("type").GetString());
            var pod = bookmark.GetProperty("object");
            Assert.Equal("Pod", pod.GetProperty("kind").GetString());
            Assert.False(pod.TryGetProperty("spec", out _));
            Assert.Equal(cluster.ResourceVersion, long.Parse(pod.GetProperty("metadata").GetProperty("resourceVersion").GetString()!));
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Timeout_seconds_and_severing_end_the_watch_body_cleanly()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();

        var (timed, timedReader) = await OpenAsync(cluster, $"/api/v1/namespaces/default/pods?watch=true&resourceVersion={cluster.ResourceVersion}&timeoutSeconds=1");
        var (severed, severedReader) = await OpenAsync(cluster, $"/api/v1/namespaces/default/pods?watch=true&resourceVersion={cluster.ResourceVersion}");
        using (timed)
        using (severed)
        {
            Assert.Equal("", await timedReader.ReadToEndAsync());
            cluster.CreatePod("default", "p", ["c"]);
            Assert.Equal("ADDED", Json((await ReadLineWithin(severedReader))!).GetProperty("type").GetString());
            cluster.SeverWatches();
            Assert.Null(await ReadLineWithin(severedReader));
        }
    }

    [Fact(Timeout = 30000)]
    public async Task An_unparsable_label_selector_is_a_400()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "a in (b"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.Response.StatusCode);
    }
}
