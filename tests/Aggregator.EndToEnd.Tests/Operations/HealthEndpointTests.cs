using System.Net;

namespace Aggregator.EndToEnd.Tests.Operations;

/// <summary>/healthz and /readyz on the metrics port, as the kubelet's probes call them.</summary>
public sealed class HealthEndpointTests
{
    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(AggregatorUnderTest test, string path)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(test.MetricsUri, path));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd());
    }

    [Fact(Timeout = 60_000)]
    public async Task Readyz_is_503_until_the_pod_watch_is_established_then_200()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        var refused = 0;
        test.Kubernetes.FailRequests(r => r.Query["watch"] == "true" ? Count(ref refused) : null);
        await test.StartAggregatorAsync();
        // Cleared right after the first refusal, so that the watcher's backoff stays short.
        await AggregatorUnderTest.Eventually(() => Volatile.Read(ref refused) >= 1, "the watch is refused");

        var before = await GetAsync(test, "readyz");
        var alive = await GetAsync(test, "healthz");
        test.Kubernetes.FailRequests(null);
        var after = await WaitForAsync(test, "readyz", HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.Status);
        Assert.Equal("the pod watch of namespace shop is not established", before.Body);
        Assert.Equal(HttpStatusCode.OK, alive.Status);
        Assert.Equal("watching namespace shop (0 pods)", after.Body);
    }

    [Fact(Timeout = 60_000)]
    public async Task Healthz_is_200_while_the_pipeline_runs_and_503_with_the_reason_once_it_has_stopped()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        await test.StartAggregatorAsync();

        var running = await GetAsync(test, "healthz");
        test.Runtime.Pipeline!.Complete();
        await test.Runtime.Pipeline.Completion;
        var stopped = await GetAsync(test, "healthz");

        Assert.Equal((HttpStatusCode.OK, "ok"), running);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "the pipeline has stopped"), stopped);
    }

    private static int? Count(ref int refused)
    {
        Interlocked.Increment(ref refused);
        return 503;
    }

    /// <summary>Asks again until the answer has <paramref name="status"/>: readiness follows the watch, which is retried with backoff.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> WaitForAsync(AggregatorUnderTest test, string path, HttpStatusCode status)
    {
        (HttpStatusCode Status, string Body) answer = default;
        await AggregatorUnderTest.Eventually(async () =>
        {
            answer = await GetAsync(test, path);
            return answer.Status == status;
        }, $"/{path} answers {(int)status}");
        return answer;
    }
}
