using System.Globalization;
using System.Text.Json;
using Aggregator.EndToEnd.Tests.Operations;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary><c>aggregator ctl</c> against a live cluster of two or three members, through their own admin endpoints.</summary>
public sealed class ClusterInspectionTests
{
    [Fact(Timeout = 120_000)]
    public async Task Ctl_shows_the_members_the_regions_the_shards_and_which_member_runs_each_tail()
    {
        await using var test = await ClusterUnderTest.StartAsync();
        await using var pods = WritingPods.Start(test.Kubernetes, "shop", 6, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", 30);
        var addresses = test.Running.Select(i => Akka.Cluster.Cluster.Get(test.Runtime(i).System!).SelfAddress.ToString()).ToHashSet();

        foreach (var member in test.Running.ToList())
        {
            var status = Json(await CtlAsync(test, member, "status", "--json"));
            Assert.Equal("cluster", status.GetProperty("mode").GetString());
            // Its figures are this member's alone, and the text says so.
            Assert.Contains("cluster (the figures below are this member's;", await CtlAsync(test, member, "status"), StringComparison.Ordinal);

            var show = await CtlAsync(test, member, "cluster", "show");
            var cluster = Json(await CtlAsync(test, member, "cluster", "show", "--json"));
            Assert.Contains("Mode: cluster", show, StringComparison.Ordinal);
            Assert.Equal(addresses, cluster.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).ToHashSet());
            Assert.All(cluster.GetProperty("members").EnumerateArray(), m =>
            {
                Assert.Equal("Up", m.GetProperty("status").GetString());
                Assert.Equal("reachable", m.GetProperty("reachability").GetString());
                Assert.Equal(["aggregator"], m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            });
            Assert.Equal(3, show.Split('\n').Count(l => l.StartsWith("akka.tcp://aggregator@127.0.0.1:", StringComparison.Ordinal) && l.Contains(" Up ", StringComparison.Ordinal)));

            // The sharding views and the tails are cluster-wide, whichever member is asked; wait out a tail that is just (re)starting.
            await AggregatorUnderTest.Eventually(
                async () => await TotalEntitiesAsync(test, member, "regions", "regions") == streams.Length
                    && await TotalEntitiesAsync(test, member, "stats", "shards") == streams.Length,
                "the sharding views count every tail", 30);
            var regions = Json(await CtlAsync(test, member, "cluster", "sharding", "regions", "--json")).GetProperty("regions").EnumerateArray().ToList();
            Assert.Equal(3, regions.Count);
            Assert.All(regions, r => Assert.EndsWith("/system/sharding/tails", r.GetProperty("path").GetString(), StringComparison.Ordinal));
            var stats = Json(await CtlAsync(test, member, "cluster", "sharding", "stats", "--json")).GetProperty("shards").EnumerateArray().ToList();
            Assert.Equal(addresses, stats.Select(s => s.GetProperty("address").GetString()!).ToHashSet());

            List<JsonElement> tails = [];
            await AggregatorUnderTest.Eventually(
                async () => (tails = Json(await CtlAsync(test, member, "tails", "--json")).EnumerateArray().ToList()).Count == streams.Length,
                "ctl tails lists every tail", 30);
            Assert.Equal(
                streams.Select(s => $"{s.Pod}/{s.Container}").Order().ToList(),
                tails.Select(t => $"{t.GetProperty("pod").GetString()}/{t.GetProperty("container").GetString()}").Order().ToList());
            // Which member runs each tail agrees with the sharding statistics: every member runs some.
            Assert.Equal(addresses, tails.Select(t => t.GetProperty("member").GetString()!).ToHashSet());
            var table = await CtlAsync(test, member, "tails");
            Assert.StartsWith("MEMBER ", table, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_tail_waiting_for_Loki_to_say_where_its_stream_ends_answers_ctl_with_that_phase_rather_than_not_answering()
    {
        await using var test = await ClusterUnderTest.StartAsync(members: 2);
        // Loki's queriers are busy: each new tail's question where its stream ends waits for an answer.
        test.Loki.HoldQueries();
        await using var pods = WritingPods.Start(test.Kubernetes, "shop", 3, "app", "sidecar");
        var streams = pods.Streams;
        List<JsonElement> tails = [];
        try
        {
            await AggregatorUnderTest.Eventually(
                async () => (tails = [.. Json(await CtlAsync(test, 0, "tails", "--json")).EnumerateArray()]).Count == streams.Length
                    && tails.All(t => t.GetProperty("state").GetString() == "asking Loki for its position"),
                "ctl tails lists every tail as asking Loki for its position", 60);
            // The rows are the tails' own answers while the question is still out, not what their IDs say.
            Assert.True(test.Loki.QueriesHeld > 0);
            Assert.All(tails, t => Assert.Equal(JsonValueKind.Null, t.GetProperty("lastError").ValueKind));
            Assert.All(tails, t => Assert.Equal("web", t.GetProperty("labels").GetProperty("app").GetString()));
        }
        finally
        {
            test.Loki.ReleaseQueries();
        }

        await AggregatorUnderTest.Eventually(
            async () => Json(await CtlAsync(test, 0, "tails", "--json")).EnumerateArray().ToList() is var all
                && all.Count == streams.Length && all.All(t => t.GetProperty("state").GetString() == "following"),
            "ctl tails lists every tail as following once Loki answers", 60);
    }

    [Fact(Timeout = 180_000)]
    public async Task While_a_crashed_member_is_not_downed_yet_it_is_one_not_answering_row_and_the_tails_of_a_member_leaving_meanwhile_are_not_answering_by_ID()
    {
        await using var test = await ClusterUnderTest.StartAsync(settings: new Dictionary<string, string?>
        {
            // The default: the cluster downs a crashed member this long after it became unreachable.
            ["Aggregator:Cluster:StableAfterSeconds"] = "20",
        });
        await using var pods = WritingPods.Start(test.Kubernetes, "shop", 6, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by every member in part", test.DescribeTailsAsync, 60);
        // The asked member hosts the shard coordinator, which stays where it is.
        var asked = test.Oldest();
        var crashed = test.Running.First(i => i != asked);
        var leaving = test.Running.First(i => i != asked && i != crashed);
        var askedCluster = Akka.Cluster.Cluster.Get(test.Runtime(asked).System!);
        List<JsonElement> before = [];
        await AggregatorUnderTest.Eventually(
            async () => (before = [.. Json(await CtlAsync(test, asked, "tails", "--json")).EnumerateArray()]).Count == streams.Length
                && before.All(t => t.GetProperty("state").GetString() != "not answering"),
            "ctl tails lists every tail, each answering", 30);
        var askedTails = TailIdsOf(before, test.AddressOf(asked));
        var leavingTails = TailIdsOf(before, test.AddressOf(leaving));

        var crash = test.KillMemberAsync(crashed);
        await AggregatorUnderTest.Eventually(
            () => askedCluster.State.Unreachable.Any(m => m.Address.ToString() == test.AddressOf(crashed)),
            "the crashed member is unreachable, and still a member", 30);
        // The leaving member's shards are handed off, but first the coordinator waits for every region, the crashed
        // member's too, to acknowledge that it holds their messages: meanwhile the regions hold what is sent to those tails.
        var leave = test.StopMemberAsync(leaving);
        List<JsonElement> tails = [];
        await AggregatorUnderTest.Eventually(
            async () => (tails = [.. Json(await CtlAsync(test, asked, "tails", "--json")).EnumerateArray()]).Any(t => Member(t) == test.AddressOf(leaving)),
            "ctl tails lists tails of the leaving member", 30);

        var crashedRow = Assert.Single(tails, t => Member(t) == test.AddressOf(crashed));
        Assert.Equal("not answering", crashedRow.GetProperty("state").GetString());
        Assert.Equal("", crashedRow.GetProperty("pod").GetString());
        Assert.Equal("its shard region did not answer within 5 s: the tails it runs are not listed", crashedRow.GetProperty("lastError").GetString());
        Assert.All(tails.Where(t => Member(t) == test.AddressOf(leaving)), t =>
        {
            Assert.Equal("not answering", t.GetProperty("state").GetString());
            Assert.Equal("did not answer within 5 s: its shard is being handed off, or it is stopping", t.GetProperty("lastError").GetString());
            // What the row says of the tail comes from its ID alone.
            var (pod, container) = (t.GetProperty("pod").GetString()!, t.GetProperty("container").GetString()!);
            Assert.Contains(("shop", pod, container), streams);
            Assert.StartsWith($"shop_{pod}_{container}_", TailId(t), StringComparison.Ordinal);
        });
        // The asked member's own tails answer. A tail of the leaving member may already have moved to it and be starting
        // there, not answering yet: the crashed member's region cannot acknowledge the hand-off, and the leaving
        // member's shards move once the hand-off or that member's shutdown phase times out (15 s in this harness).
        // Once in a full run, a row of the asked member was not answering when every one was required to.
        var askedRows = tails.Where(t => Member(t) == test.AddressOf(asked)).Select(t => (Id: TailId(t), State: t.GetProperty("state").GetString())).ToList();
        Assert.Empty(askedRows.Where(t => askedTails.Contains(t.Id) && t.State == "not answering").Select(t => t.Id));
        Assert.Empty(askedRows.Where(t => !askedTails.Contains(t.Id) && !leavingTails.Contains(t.Id)).Select(t => t.Id));
        Assert.Equal(tails.Count, tails.Select(TailId).Distinct().Count());

        await leave;
        await crash;
    }

    [Fact(Timeout = 180_000)]
    public async Task The_shards_moving_to_a_member_that_joins_while_Loki_refuses_pushes_are_one_not_answering_row_while_they_wait_for_Loki()
    {
        // A handed-off tail waits this long for Loki to acknowledge what it read; its shard answers nothing meanwhile.
        await using var test = await ClusterUnderTest.StartAsync(members: 3, running: 2, settings: new Dictionary<string, string?>
        {
            ["Aggregator:Cluster:HandOffFlushSeconds"] = "60",
        });
        await using var pods = WritingPods.Start(test.Kubernetes, "shop", 6, "app", "sidecar");
        var streams = pods.Streams;
        await AggregatorUnderTest.Eventually(
            () => test.TailsPerMember() is var tails && tails.Values.Sum() == streams.Length && tails.Values.All(n => n > 0),
            "every container is tailed, by both members", test.DescribeTailsAsync, 60);

        test.Loki.SetDown(503);
        List<JsonElement> shards = [];
        try
        {
            await test.JoinAsync(2);
            await AggregatorUnderTest.Eventually(
                async () => (shards = [.. Json(await CtlAsync(test, 0, "tails", "--json")).EnumerateArray()
                    .Where(t => t.GetProperty("lastError").GetString()?.StartsWith("shards ", StringComparison.Ordinal) == true)]).Count > 0,
                "ctl tails lists the shards being handed off", 90);
        }
        finally
        {
            test.Loki.SetUp();
        }

        // The shards leave the members that ran them; a tail asked just as its shard began to move may be a row of its own.
        Assert.All(shards, row =>
        {
            Assert.Contains(Member(row), new[] { test.AddressOf(0), test.AddressOf(1) });
            Assert.Equal(("not answering", ""), (row.GetProperty("state").GetString(), row.GetProperty("pod").GetString()));
            Assert.Matches("^shards [0-9, ]+ did not say which tails they run, as while they are handed off: those tails are not listed$", row.GetProperty("lastError").GetString());
        });
    }

    private static string? Member(JsonElement tail) => tail.GetProperty("member").GetString();

    private static string TailId(JsonElement tail) => tail.GetProperty("tailId").GetString()!;

    private static HashSet<string> TailIdsOf(IEnumerable<JsonElement> tails, string member) => [.. tails.Where(t => Member(t) == member).Select(TailId)];

    private static async Task<int> TotalEntitiesAsync(ClusterUnderTest test, int member, string view, string property) =>
        Json(await CtlAsync(test, member, "cluster", "sharding", view, "--json"))
            .GetProperty(property).EnumerateArray().Sum(e => e.GetProperty("entities").GetInt32());

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement.Clone();

    private static async Task<string> CtlAsync(ClusterUnderTest test, int member, params string[] arguments)
    {
        var result = await Ctl.RunAsync([.. arguments, "--port", test.Runtime(member).AdminPort.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        return result.Output;
    }
}
