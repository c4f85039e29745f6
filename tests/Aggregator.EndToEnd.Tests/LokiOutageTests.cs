using Aggregator.Simulation;
using Aggregator.Simulation.Loki;

namespace Aggregator.EndToEnd.Tests;

/// <summary>A long Loki outage: refused connections, then server errors, while the pods keep writing.</summary>
public sealed class LokiOutageTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 120_000)]
    public async Task Nothing_is_lost_or_doubled_through_an_outage_and_the_buffered_data_stays_within_its_budget()
    {
        var port = LoopbackPorts.Reserve();
        await using var test = await AggregatorUnderTest.CreateAsync();
        var pods = new[] { "web-0", "web-1" };
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, ["app"]);
            test.Kubernetes.StartPod(Ns, pod);
        }

        // Nothing listens on Loki's port yet: every push is a refused connection.
        await test.StartAggregatorAsync(("Aggregator:Loki:Url", $"http://127.0.0.1:{port}"), ("Aggregator:Tail:MaxBufferedMiB", "1"));
        var padding = new string('x', 400);
        foreach (var pod in pods)
        {
            test.Write(Ns, pod, "app", 3000, $"during the outage {padding}");
        }

        // The budget fills, then the tails wait: far from all 6000 lines (over 5 MB) are read.
        await AggregatorUnderTest.Eventually(
            () => test.Runtime.Budget.Waiting > 0 && test.Runtime.Counters.PushRetries > 0, "the tails wait for room in the budget while pushes fail");
        Assert.True(test.Runtime.Budget.Used <= test.Runtime.Budget.Capacity, $"{test.Runtime.Budget.Used} used of {test.Runtime.Budget.Capacity}");
        Assert.True(test.Runtime.Counters.EntriesRead < 6000, $"{test.Runtime.Counters.EntriesRead} entries read");

        // Loki comes back, but answers 500 for a while.
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { Port = port });
        loki.SetDown(500);
        await loki.WaitUntilAsync(l => l.Pushes.Count >= 2, TimeSpan.FromSeconds(30));
        foreach (var pod in pods)
        {
            test.Write(Ns, pod, "app", 500, "while Loki fails");
        }

        loki.SetUp();
        var streams = pods.Select(pod => (Ns, pod, "app")).ToArray();
        await loki.WaitUntilAsync(l => DeliveryReportFor(test, l, streams).Streams.All(s => s.Arrived == s.Written), TimeSpan.FromSeconds(60));

        var report = DeliveryReportFor(test, loki, streams);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(0, loki.DuplicatesReceived);
        foreach (var pod in pods)
        {
            // In order, per stream.
            var written = test.Kubernetes.LogOf(Ns, pod, "app").Select(r => r.TimestampNanos);
            var stored = loki.EntriesOf(new Dictionary<string, string> { ["pod"] = pod }).Select(e => e.TimestampNanos);
            Assert.Equal(written, stored);
        }

        // The budget comes back once the pipeline has taken in Loki's answers, a moment after Loki stored the lines.
        await AggregatorUnderTest.Eventually(() => test.Runtime.Budget.Used == 0, "every batch's weight is given back to the budget");
    }

    private static Simulation.DeliveryReport DeliveryReportFor(AggregatorUnderTest test, LokiDouble loki, (string, string, string)[] streams) =>
        Simulation.DeliveryReport.Compare(test.Kubernetes, loki, streams);
}
