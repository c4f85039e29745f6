using System.Globalization;
using System.Text.Json;
using Aggregator.EndToEnd.Tests.Operations;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary><c>aggregator ctl</c> against a live three-member cluster, through each member's own admin endpoint.</summary>
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
