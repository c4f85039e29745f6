namespace Aggregator.EndToEnd.Tests;

/// <summary>What Loki answers decides what the pusher does: retry until delivered, or let a refused batch go.</summary>
public sealed class LokiFaultTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 60_000)]
    public async Task Server_errors_and_throttling_are_retried_until_every_line_is_delivered()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(500, times: 2);
        test.Loki.EnqueueResponses(429, times: 2);
        test.Loki.EnqueueResponses(503, times: 1);
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 50);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        Assert.True(test.Report((Ns, "web-0", "app")).ExactlyOnce);
        Assert.Equal([500, 500, 429, 429, 503], test.Loki.Pushes.Take(5).Select(p => p.StatusCode));
        Assert.True(test.Runtime.Counters.PushRetries >= 5);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_refused_batch_is_counted_and_let_go_without_holding_up_later_lines()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(400, times: 1, body: "entry for stream '{app=\"x\"}' has timestamp too old");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 5, "refused");
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRejected > 0, "the pusher counts the refused batch");

        var later = test.Write(Ns, "web-0", "app", 5, "later");
        await test.Loki.WaitUntilAsync(
            l => later.All(line => l.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" }).Any(e => e.Line == line)),
            TimeSpan.FromSeconds(30));
        Assert.Equal(1, test.Loki.Pushes.Count(p => p.StatusCode == 400));
        Assert.Equal(5, test.Runtime.Counters.EntriesRejected);
    }

    [Fact(Timeout = 60_000)]
    public async Task Pushes_are_snappy_protobuf_with_the_tenant_header_when_one_is_configured()
    {
        await using var test = await AggregatorUnderTest.CreateAsync(new Simulation.Loki.LokiDoubleOptions { RequireTenant = true });
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync(("Aggregator:Loki:TenantId", "team-a"), ("Aggregator:Loki:Username", "u"), ("Aggregator:Loki:Password", "p"));
        test.Write(Ns, "web-0", "app", 10);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var push = test.Loki.Pushes.First(p => p.StatusCode == 204);
        Assert.Equal("application/x-protobuf", push.ContentType);
        Assert.Equal("team-a", push.TenantId);
        Assert.Equal("Basic dTpw", push.Authorization);
        Assert.All(test.Loki.Streams, s => Assert.Equal("team-a", s.Tenant));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_bearer_token_file_is_read_again_when_it_changes()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        var tokenFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(tokenFile, "first-token\n");
            test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
            test.Kubernetes.StartPod(Ns, "web-0");
            await test.StartAggregatorAsync(("Aggregator:Loki:BearerTokenFile", tokenFile));
            test.Write(Ns, "web-0", "app", 5, "before");
            await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

            await File.WriteAllTextAsync(tokenFile, "rotated-token");
            File.SetLastWriteTimeUtc(tokenFile, DateTime.UtcNow.AddMinutes(1));
            test.Write(Ns, "web-0", "app", 5, "after");
            await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

            Assert.Equal("Bearer first-token", test.Loki.Pushes[0].Authorization);
            Assert.Equal("Bearer rotated-token", test.Loki.Pushes[^1].Authorization);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }
}
