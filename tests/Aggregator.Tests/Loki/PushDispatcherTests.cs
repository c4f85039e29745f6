using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.TestKit;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

public sealed class PushDispatcherTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A dispatcher whose pushers hand every request to <paramref name="pushers"/>, which answers for them.</summary>
    private IActorRef Dispatcher(TestProbe pushers, int count, TimeSpan batchTimeout, int batchSize = 100) =>
        Sys.ActorOf(PushDispatcher.Props(
            Props.Create(() => new Forwarder(pushers.Ref)), count, new PipelineSettings { BatchSize = batchSize, BatchTimeout = batchTimeout }));

    [Fact(Timeout = 30000)]
    public async Task Lanes_small_batches_that_come_while_a_request_is_in_flight_go_together_once_it_is_answered()
    {
        var pushers = CreateTestProbe();
        // Held for at most a tenth of BATCH_TIMEOUT: a minute here, so only the answer lets them go.
        var dispatcher = Dispatcher(pushers, count: 4, batchTimeout: TimeSpan.FromMinutes(10));
        var lanes = Enumerable.Range(0, 5).Select(_ => CreateTestProbe()).ToList();

        dispatcher.Tell(new PushRequested(Lines("web-0", 1)), lanes[0].Ref);
        var first = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        var firstPusher = pushers.LastSender;
        for (var lane = 1; lane < lanes.Count; lane++)
        {
            dispatcher.Tell(new PushRequested(Lines($"web-{lane}", lane)), lanes[lane].Ref);
        }

        Assert.Equal(1, first.Batch.Count);
        firstPusher.Tell(new PushCompleted(1, ShipResult.Delivered));
        await lanes[0].ExpectMsgAsync(new PushCompleted(1, ShipResult.Delivered), Wait);

        // Four lanes' batches in one request, not four.
        var together = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        Assert.Equal(1 + 2 + 3 + 4, together.Batch.Count);
        Assert.Equal(["web-1", "web-2", "web-3", "web-4"], together.Batch.Chunks.Select(c => c.Stream.Key.Pod));
        pushers.LastSender.Tell(new PushCompleted(together.Batch.Count, ShipResult.Rejected));
        for (var lane = 1; lane < lanes.Count; lane++)
        {
            // Each lane hears of its own batch, with the request's outcome.
            await lanes[lane].ExpectMsgAsync(new PushCompleted(lane, ShipResult.Rejected), Wait);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task A_small_batch_is_held_no_longer_than_a_tenth_of_batch_timeout_when_the_request_in_flight_is_not_answered()
    {
        var pushers = CreateTestProbe();
        var dispatcher = Dispatcher(pushers, count: 4, batchTimeout: TimeSpan.FromMilliseconds(200));

        dispatcher.Tell(new PushRequested(Lines("web-0", 1)));
        var stuck = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        var stuckPusher = pushers.LastSender;
        dispatcher.Tell(new PushRequested(Lines("web-1", 2)));

        // The first request is never answered (as one retried for as long as Loki refuses it); the second goes anyway.
        var next = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        Assert.Equal(2, next.Batch.Count);
        Assert.NotEqual(stuckPusher, pushers.LastSender);
        Assert.Equal(1, stuck.Batch.Count);
    }

    [Fact(Timeout = 30000)]
    public async Task Batches_half_full_or_more_go_at_once_each_to_a_pusher_of_its_own_while_pushers_are_free()
    {
        var pushers = CreateTestProbe();
        var dispatcher = Dispatcher(pushers, count: 2, batchTimeout: TimeSpan.FromMinutes(10), batchSize: 10);

        for (var lane = 0; lane < 3; lane++)
        {
            dispatcher.Tell(new PushRequested(Lines($"web-{lane}", 6)));
        }

        var first = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        var firstPusher = pushers.LastSender;
        var second = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        Assert.NotEqual(firstPusher, pushers.LastSender);
        Assert.Equal([6, 6], new[] { first.Batch.Count, second.Batch.Count });

        // Both pushers are busy: the third batch goes once one of them is answered, and through it.
        firstPusher.Tell(new PushCompleted(6, ShipResult.Delivered));
        var third = await pushers.ExpectMsgAsync<PushRequested>(Wait);
        Assert.Equal(firstPusher, pushers.LastSender);
        Assert.Equal("web-2", Assert.Single(third.Batch.Chunks).Stream.Key.Pod);
    }

    /// <summary>Stands in for a pusher: passes each request to the probe and the probe's answer back, as its own.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef probe)
        {
            Receive<PushRequested>(push => probe.Tell(push, Self));
            Receive<PushCompleted>(completed => Context.Parent.Tell(completed, Self));
        }
    }
}
