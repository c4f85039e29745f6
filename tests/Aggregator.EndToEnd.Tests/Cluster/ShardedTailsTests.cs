using System.Diagnostics;
using System.Globalization;
using Aggregator.Host;
using Xunit.Abstractions;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary>
/// The cluster mode on three members while pods keep writing: tails spread, move when a member leaves, dies or
/// joins, every line arrives once, and no container ever has two readers.
/// </summary>
public sealed class ShardedTailsTests(ITestOutputHelper output)
{
    private const string Ns = "shop";

    // Shards reach the later members by rebalancing, a few at a time: on two cores shared with the rest of the suite
    // that took over 30 s once in a few full runs.
    private const int SpreadSeconds = 60;

    [Fact(Timeout = 180_000)]
    public async Task Tails_spread_over_three_members_and_move_when_one_leaves_without_a_line_lost_or_doubled()
    {
        await using var test = await ClusterUnderTest.StartAsync();
        await using var pods = WritingPods.Start(test.Kubernetes, Ns, 8, "app", "sidecar");
        var streams = pods.Streams;

        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", test.DescribeTailsAsync, SpreadSeconds);

        // Seconds alone and in most full runs; once, in a full parallel run on two cores, more than 30.
        var leaving = Stopwatch.StartNew();
        await test.StopMemberAsync(2);
        var left = string.Create(CultureInfo.InvariantCulture, $"member 2 took {leaving.Elapsed.TotalSeconds:0.0} s to leave");
        output.WriteLine(left);
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember().Values.Sum() == streams.Length && test.Kubernetes.OpenLogStreams.Count == streams.Length,
            "the leaving member's tails run on the other two", async () => $"{left}; {await test.DescribeTailsAsync()}", SpreadSeconds);

        await AssertEveryLineOnceAsync(test, pods);
    }

    [Fact(Timeout = 180_000)]
    public async Task A_member_leaving_while_Loki_answers_slowly_waits_for_its_tails_to_hand_off_and_loses_nothing()
    {
        await using var test = await ClusterUnderTest.StartAsync(members: 2, settings: new Dictionary<string, string?>
        {
            ["Aggregator:Cluster:HandOffFlushSeconds"] = "30",
            ["Aggregator:ShutdownGraceSeconds"] = "40",
        });
        await using var pods = WritingPods.Start(test.Kubernetes, Ns, 6, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", test.DescribeTailsAsync, SpreadSeconds);
        var leaving = test.Running.First(i => i != test.Oldest());
        var logs = test.Logs(leaving);

        // Each push now takes 10 s: a tail handed off waits for the push of its last lines, 10 to 20 s, longer than
        // a shard region shutting down waits by default (9 s).
        test.Loki.ResponseDelay = TimeSpan.FromSeconds(10);
        var stop = Stopwatch.StartNew();
        await test.StopMemberAsync(leaving);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"member {leaving} took {stop.Elapsed.TotalSeconds:0.0} s to leave"));
        test.Loki.ResponseDelay = TimeSpan.Zero;

        var said = logs.Last(1000);
        Assert.DoesNotContain(said, l => l.Contains("Graceful shutdown of shard region timed out", StringComparison.Ordinal));
        Assert.DoesNotContain(said, l => l.Contains("handed off before Loki acknowledged everything it read", StringComparison.Ordinal));
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember().Values.Sum() == streams.Length && test.Kubernetes.OpenLogStreams.Count == streams.Length,
            "the leaving member's tails run on the other", test.DescribeTailsAsync, SpreadSeconds);
        await AssertEveryLineOnceAsync(test, pods);
    }

    [Fact(Timeout = 120_000)]
    public async Task When_a_member_dies_its_tails_run_again_elsewhere_within_a_bounded_time_without_a_line_lost_or_doubled()
    {
        await using var test = await ClusterUnderTest.StartAsync();
        await using var pods = WritingPods.Start(test.Kubernetes, Ns, 8, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", test.DescribeTailsAsync, SpreadSeconds);

        // The oldest member hosts the shard coordinator: its death is the slowest case, as the coordinator moves too.
        var victim = test.Oldest();
        var mark = pods.WrittenSoFar();
        var clock = Stopwatch.StartNew();
        await test.KillMemberAsync(victim);
        await AggregatorUnderTest.Eventually(() => pods.AllShippedSince(test.Loki, mark), "every container ships again after the death", 90);
        var recovery = clock.Elapsed;
        var figure = string.Create(CultureInfo.InvariantCulture, $"cluster recovery: member {victim} (the oldest) killed; every container shipped again after {recovery.TotalSeconds:0.0} s (failure detector defaults, stable-after 3 s, re-announce 0.5 s)");
        output.WriteLine(figure);
        Console.WriteLine(figure);

        await AggregatorUnderTest.Eventually(
            () => test.Running.All(i => test.UpMembers(i) == 2) && test.Kubernetes.OpenLogStreams.Count == streams.Length,
            "the two survivors see each other Up and run every tail once", 60);
        await AssertEveryLineOnceAsync(test, pods);
        // Failure detection (a few seconds) + stable-after (3 s) + the coordinator's move + re-announce: generous for a loaded 2-core machine.
        Assert.True(recovery < TimeSpan.FromSeconds(60), figure);
    }

    [Fact(Timeout = 120_000)]
    public async Task When_a_member_joins_shards_move_to_it_without_a_line_lost_or_doubled()
    {
        await using var test = await ClusterUnderTest.StartAsync(members: 3, running: 2);
        await using var pods = WritingPods.Start(test.Kubernetes, Ns, 8, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by both members", test.DescribeTailsAsync, SpreadSeconds);

        await test.JoinAsync(2);
        var moved = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((moved = (await test.ShardsOfAsync(2)).Count(s => s.EntityIds.Count > 0)) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no shard moved to the member that joined within 60 s");
            await Task.Delay(100);
        }

        output.WriteLine($"{moved} shard(s) with tails moved to the member that joined");
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails[2] > 0
                && test.Kubernetes.OpenLogStreams.Count == streams.Length,
            "every container is tailed once, by the newcomer in part", 60);
        await AssertEveryLineOnceAsync(test, pods);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_member_the_cluster_downs_stops_with_one_line_and_exit_code_1()
    {
        // A stop that was asked for exits 0: ProcessTests checks it on the executable itself.
        await using var test = await ClusterUnderTest.StartAsync(members: 3);
        var downed = test.Running.Last();
        var system = test.Runtime(downed).System!;

        Akka.Cluster.Cluster.Get(test.Runtime(test.Running.First()).System!).Down(Akka.Cluster.Cluster.Get(system).SelfAddress);
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(60));

        var errors = new StringWriter();
        Assert.Equal(1, RunCommand.ExitCodeAfterStop(test.Runtime(downed), errors));
        Assert.StartsWith("aggregator: the cluster downed this member", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', errors.ToString().TrimEnd());
    }

    private static async Task AssertEveryLineOnceAsync(ClusterUnderTest test, WritingPods pods)
    {
        await pods.StopAsync();
        await test.Loki.WaitUntilAsync(_ => test.Report(pods.Streams).Streams.All(s => s.Arrived >= s.Written), TimeSpan.FromSeconds(30));
        var report = test.Report(pods.Streams);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Empty(pods.Overlaps);
    }
}
