using Aggregator.Actors.Sharding;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Xunit;

namespace Aggregator.Tests.Sharding;

/// <summary>
/// The replicated positions on a cluster of one: spread over maps that every member chooses alike, written for a
/// handed-off tail to wait on, and removed once their stream has shipped nothing for the retention.
/// </summary>
public sealed class ShippedPositionsTests() : Akka.TestKit.Xunit2.TestKit(
    "akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.hostname = 127.0.0.1\nakka.remote.dot-netty.tcp.port = 0")
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public void Streams_are_spread_over_the_maps_by_a_hash_every_member_computes_alike()
    {
        var maps = Enumerable.Range(0, 1000).Select(i => ShippedPositions.KeyOf($"{{namespace=\"shop\", pod=\"web-{i}\"}}").Id).Distinct().Count();

        Assert.True(maps >= ShippedPositions.Maps - 4, $"{maps} maps used");
        // A fixed value: members of one cluster, of this version and the next, must choose the same map.
        Assert.Equal("shipped-positions-1", ShippedPositions.KeyOf("{namespace=\"shop\", pod=\"web-0\"}").Id);
    }

    [Fact(Timeout = 60000)]
    public async Task A_handed_off_tail_hears_once_its_position_is_written_and_stale_positions_are_removed()
    {
        var replicator = await JoinItselfAsync();
        var writer = Sys.ActorOf(ShippedPositions.Props(
            replicator, Cluster.Get(Sys).SelfUniqueAddress, TimeSpan.FromMilliseconds(50), retention: TimeSpan.FromHours(1), pruneInterval: TimeSpan.FromMilliseconds(200)));
        var now = Nanos(DateTime.UtcNow);
        var old = Nanos(DateTime.UtcNow.AddHours(-2));

        writer.Tell(new AwaitShipped("{pod=\"fresh\"}", now, Wait));
        writer.Tell(new StreamsShipped(new Dictionary<string, long> { ["{pod=\"fresh\"}"] = now, ["{pod=\"gone\"}"] = old }));

        Assert.True((await ExpectMsgAsync<ShippedUpTo>(Wait)).Reached);
        await AwaitAssertAsync(
            async () =>
            {
                Assert.Equal(now, await ReadAsync(replicator, "{pod=\"fresh\"}"));
                Assert.Null(await ReadAsync(replicator, "{pod=\"gone\"}"));
            },
            Wait);
    }

    private static long Nanos(DateTime time) => (time - DateTime.UnixEpoch).Ticks * 100;

    private static async Task<long?> ReadAsync(IActorRef replicator, string labels)
    {
        var key = ShippedPositions.KeyOf(labels);
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), Wait);
        return response is GetSuccess success && success.Get(key).TryGetValue(labels, out var newest) ? newest : null;
    }

    private async Task<IActorRef> JoinItselfAsync()
    {
        var cluster = Cluster.Get(Sys);
        await cluster.JoinAsync(cluster.SelfAddress).WaitAsync(Wait);
        return DistributedData.Get(Sys).Replicator;
    }
}
