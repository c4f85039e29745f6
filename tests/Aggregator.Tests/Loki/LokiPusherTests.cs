using System.Collections.Concurrent;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

public sealed class LokiPusherTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Tiny = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A shipper whose answers the test scripts: each call takes the next scripted answer, or waits for one.</summary>
    private sealed class ScriptedShipper : ILogShipper
    {
        private readonly ConcurrentQueue<Func<Task<ShipOutcome>>> _script = new();
        private readonly ConcurrentQueue<PushBatch> _calls = new();

        public string Destination => "scripted";

        public IReadOnlyList<PushBatch> Calls => [.. _calls];

        public ScriptedShipper Then(ShipOutcome outcome)
        {
            _script.Enqueue(() => Task.FromResult(outcome));
            return this;
        }

        public ScriptedShipper Then(Func<Task<ShipOutcome>> answer)
        {
            _script.Enqueue(answer);
            return this;
        }

        public Task<ShipOutcome> ShipAsync(PushBatch batch, CancellationToken cancellationToken)
        {
            _calls.Enqueue(batch);
            return _script.TryDequeue(out var answer)
                ? answer()
                : throw new InvalidOperationException($"call {_calls.Count} was not scripted");
        }
    }

    private IActorRef Pusher(ILogShipper shipper, ShippingCounters counters) =>
        Sys.ActorOf(LokiPusher.Props(shipper, counters, Tiny, TimeSpan.FromMilliseconds(5)));

    private static PushBatch SomeBatch(string pod, int entries) =>
        Batch([.. Enumerable.Range(0, entries).Select(i => (Stream(pod), 1_795_614_119_000_000_000L + i, $"{pod} line {i}"))]);

    [Fact(Timeout = 30000)]
    public async Task PushCompleted_comes_only_once_the_shipper_has_delivered()
    {
        var delivery = new TaskCompletionSource<ShipOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipper = new ScriptedShipper().Then(() => delivery.Task);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 3);

        pusher.Tell(new PushRequested(batch), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(shipper.Calls.Count == 1), Wait);

        Assert.False(HasMessages);
        Assert.Equal(0, counters.Pushes);
        delivery.SetResult(ShipOutcome.Delivered);

        await ExpectMsgAsync(new PushCompleted(3, ShipResult.Delivered), Wait);
        Assert.Same(batch, Assert.Single(shipper.Calls));
        Assert.Equal(1, counters.Pushes);
        Assert.Equal(3, counters.EntriesShipped);
        Assert.Equal(batch.Weight, counters.BytesShipped);
        Assert.Equal(0, counters.PushRetries);
        Assert.Null(counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task Retryable_failures_are_retried_until_delivered_and_nothing_is_dropped()
    {
        var shipper = new ScriptedShipper()
            .Then(new ShipOutcome(ShipResult.Retryable, 503, "unavailable"))
            .Then(new ShipOutcome(ShipResult.Retryable, 429, "rate limited", TimeSpan.FromMilliseconds(2)))
            .Then(new ShipOutcome(ShipResult.Retryable, 0, "connection refused"))
            .Then(() => Task.FromException<ShipOutcome>(new IOException("socket closed")))
            .Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 4);

        pusher.Tell(new PushRequested(batch), TestActor);

        await ExpectMsgAsync(new PushCompleted(4, ShipResult.Delivered), Wait);
        Assert.Equal(5, shipper.Calls.Count);
        Assert.All(shipper.Calls, call => Assert.Same(batch, call));
        Assert.Equal(4, counters.PushRetries);
        Assert.Equal(1, counters.Pushes);
        Assert.Equal(4, counters.EntriesShipped);
        Assert.Equal(0, counters.EntriesRejected);
        Assert.Null(counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task While_retrying_the_last_error_is_visible_in_the_counters()
    {
        var second = new TaskCompletionSource<ShipOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipper = new ScriptedShipper()
            .Then(new ShipOutcome(ShipResult.Retryable, 500, "internal error"))
            .Then(() => second.Task);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);

        pusher.Tell(new PushRequested(SomeBatch("web-0", 1)), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(shipper.Calls.Count == 2), Wait);

        Assert.Equal("internal error", counters.LastPushError);
        Assert.Equal(1, counters.PushRetries);
        Assert.False(HasMessages);
        second.SetResult(ShipOutcome.Delivered);
        await ExpectMsgAsync(new PushCompleted(1, ShipResult.Delivered), Wait);
        Assert.Null(counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task A_400_is_settled_as_rejected_after_exactly_one_attempt()
    {
        var shipper = new ScriptedShipper()
            .Then(new ShipOutcome(ShipResult.Rejected, 400, "entry for stream '{app=\"web\"}' has timestamp too old"));
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);

        pusher.Tell(new PushRequested(SomeBatch("web-0", 5)), TestActor);

        await ExpectMsgAsync(new PushCompleted(5, ShipResult.Rejected), Wait);
        Assert.Single(shipper.Calls);
        Assert.Equal(5, counters.EntriesRejected);
        Assert.Equal(1, counters.Pushes);
        Assert.Equal(0, counters.EntriesShipped);
        Assert.Equal(0, counters.BytesShipped);
        Assert.Equal(0, counters.PushRetries);
        Assert.Equal("entry for stream '{app=\"web\"}' has timestamp too old", counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task A_push_requested_while_busy_waits_and_is_processed_after_the_first()
    {
        var first = new TaskCompletionSource<ShipOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipper = new ScriptedShipper().Then(() => first.Task).Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var one = SomeBatch("web-0", 2);
        var two = SomeBatch("api-0", 3);
        var otherRequester = CreateTestProbe();

        pusher.Tell(new PushRequested(one), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(shipper.Calls.Count == 1), Wait);
        pusher.Tell(new PushRequested(two), otherRequester.Ref);
        // The pusher answers anything it handles in order; once it has answered this, the second push sits in its stash.
        pusher.Tell(new Identify(1), TestActor);
        await ExpectMsgAsync<ActorIdentity>(Wait);

        Assert.Single(shipper.Calls);
        first.SetResult(ShipOutcome.Delivered);

        await ExpectMsgAsync(new PushCompleted(2, ShipResult.Delivered), Wait);
        await otherRequester.ExpectMsgAsync(new PushCompleted(3, ShipResult.Delivered), Wait);
        Assert.Equal([one, two], shipper.Calls);
        Assert.Equal(2, counters.Pushes);
        Assert.Equal(5, counters.EntriesShipped);
        Assert.Equal(one.Weight + two.Weight, counters.BytesShipped);
    }

    [Fact(Timeout = 30000)]
    public async Task A_rejected_batch_does_not_hold_back_the_next_one()
    {
        var shipper = new ScriptedShipper()
            .Then(new ShipOutcome(ShipResult.Rejected, 400, "bad labels"))
            .Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);

        pusher.Tell(new PushRequested(SomeBatch("bad-0", 2)), TestActor);
        pusher.Tell(new PushRequested(SomeBatch("web-0", 3)), TestActor);

        await ExpectMsgAsync(new PushCompleted(2, ShipResult.Rejected), Wait);
        await ExpectMsgAsync(new PushCompleted(3, ShipResult.Delivered), Wait);
        Assert.Equal(2, counters.EntriesRejected);
        Assert.Equal(3, counters.EntriesShipped);
        Assert.Equal(2, counters.Pushes);
        Assert.Null(counters.LastPushError);
    }
}
