namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary>The cluster mode on three members: tails spread, move on a graceful leave, and every line arrives once.</summary>
public sealed class ShardedTailsTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 120_000)]
    public async Task Tails_spread_over_three_members_and_move_when_one_leaves_without_a_line_lost_or_doubled()
    {
        await using var test = await ClusterUnderTest.StartAsync();
        var pods = Enumerable.Range(0, 8).Select(i => $"web-{i}").ToArray();
        var containers = new[] { "app", "sidecar" };
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, containers, new Dictionary<string, string> { ["app"] = "web" });
            test.Kubernetes.StartPod(Ns, pod);
        }

        var streams = (from pod in pods from container in containers select (Ns, pod, container)).ToArray();
        using var stop = new CancellationTokenSource();
        var overlaps = new List<string>();
        // The pods keep writing throughout, and the open log requests are sampled: two for one container is two readers.
        var writer = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                foreach (var (ns, pod, container) in streams)
                {
                    test.Kubernetes.WriteLine(ns, pod, container, $"line {n} of {pod}/{container}", n % 3 == 2 ? "stderr" : "stdout");
                }

                await Task.Delay(10);
            }
        });
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                overlaps.AddRange(test.Kubernetes.OpenLogStreams.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key.ToString()));
                await Task.Delay(5);
            }
        });

        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", 30);

        await test.StopMemberAsync(2);
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember().Values.Sum() == streams.Length && test.Kubernetes.OpenLogStreams.Count == streams.Length,
            "the leaving member's tails run on the other two", 30);

        await stop.CancelAsync();
        await Task.WhenAll(writer, sampler);
        await test.Loki.WaitUntilAsync(_ => test.Report(streams).Streams.All(s => s.Arrived >= s.Written), TimeSpan.FromSeconds(30));
        var report = test.Report(streams);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Empty(overlaps);
    }
}
