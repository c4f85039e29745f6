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

    // What the counters call bytes: the UTF-8 bytes of the lines.
    private static long LineBytes(PushBatch batch) => batch.Entries.Sum(e => (long)System.Text.Encoding.UTF8.GetByteCount(e.Line));

    // As a tail hands lines to the pipeline.
    private static void ReadLines(ShippingCounters counters, int count)
    {
        foreach (var chunk in SomeBatch("web-0", count).Chunks)
        {
            counters.Read(chunk);
        }
    }

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
        Assert.Equal(LineBytes(batch), counters.BytesShipped);
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
        Assert.Equal(LineBytes(one) + LineBytes(two), counters.BytesShipped);
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

    private static string TooOldLine(int i) =>
        $"entry with timestamp 2026-11-17 12:00:0{i} +0000 UTC ignored, reason: 'entry for stream '{{container=\"app\", namespace=\"prod\", pod=\"web-0\"}}' has timestamp too old: 2026-11-17T12:00:0{i}Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z',";

    private const string TooFarBehindLine =
        "entry with timestamp 2026-11-25 10:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2026-11-25T10:00:00Z, oldest acceptable timestamp is: 2026-11-25T11:00:00Z',";

    private static ShipOutcome TooLarge => new(ShipResult.Rejected, 413, "request body too large");

    [Fact(Timeout = 30000)]
    public async Task A_413_for_several_entries_sends_them_again_as_two_halves_in_order_and_completes_after_both()
    {
        var second = new TaskCompletionSource<ShipOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipper = new ScriptedShipper().Then(TooLarge).Then(ShipOutcome.Delivered).Then(() => second.Task);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 5);

        pusher.Tell(new PushRequested(batch), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(shipper.Calls.Count == 3), Wait);

        Assert.False(HasMessages);
        var calls = shipper.Calls;
        Assert.Same(batch, calls[0]);
        Assert.Equal(batch.Entries.Take(2), calls[1].Entries);
        Assert.Equal(batch.Entries.Skip(2), calls[2].Entries);
        second.SetResult(ShipOutcome.Delivered);

        await ExpectMsgAsync(new PushCompleted(5, ShipResult.Delivered), Wait);
        Assert.Equal(5, counters.EntriesShipped);
        Assert.Equal(LineBytes(batch), counters.BytesShipped);
        Assert.Equal(0, counters.EntriesRejected);
        Assert.Equal(2, counters.Pushes);
        Assert.Equal(0, counters.PushRetries);
    }

    [Fact(Timeout = 30000)]
    public async Task A_half_that_is_still_too_large_is_halved_again_before_the_second_half_goes()
    {
        var shipper = new ScriptedShipper()
            .Then(TooLarge)
            .Then(TooLarge)
            .Then(ShipOutcome.Delivered)
            .Then(ShipOutcome.Delivered)
            .Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 4);

        pusher.Tell(new PushRequested(batch), TestActor);

        await ExpectMsgAsync(new PushCompleted(4, ShipResult.Delivered), Wait);
        Assert.Equal(
            [["web-0 line 0", "web-0 line 1", "web-0 line 2", "web-0 line 3"], ["web-0 line 0", "web-0 line 1"], ["web-0 line 0"], ["web-0 line 1"], ["web-0 line 2", "web-0 line 3"]],
            shipper.Calls.Select(c => c.Entries.Select(e => e.Line).ToArray()));
        Assert.Equal(4, counters.EntriesShipped);
        Assert.Equal(LineBytes(batch), counters.BytesShipped);
    }

    [Fact(Timeout = 30000)]
    public async Task A_413_for_a_single_entry_is_rejected_for_good()
    {
        var shipper = new ScriptedShipper().Then(TooLarge);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);

        pusher.Tell(new PushRequested(SomeBatch("web-0", 1)), TestActor);

        await ExpectMsgAsync(new PushCompleted(1, ShipResult.Rejected), Wait);
        Assert.Single(shipper.Calls);
        Assert.Equal(1, counters.EntriesRejected);
        Assert.Equal(0, counters.EntriesShipped);
        Assert.Equal(new Dictionary<string, long> { ["other"] = 1 }, counters.RejectedByReason);
        Assert.Equal("request body too large", counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task A_single_entry_refused_after_halving_leaves_the_rest_delivered_and_the_batch_counts_as_rejected()
    {
        var shipper = new ScriptedShipper().Then(TooLarge).Then(TooLarge).Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 2);

        pusher.Tell(new PushRequested(batch), TestActor);

        await ExpectMsgAsync(new PushCompleted(2, ShipResult.Rejected), Wait);
        Assert.Equal(3, shipper.Calls.Count);
        Assert.Equal(1, counters.EntriesRejected);
        Assert.Equal(1, counters.EntriesShipped);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(batch.Entries[1].Line), counters.BytesShipped);
    }

    [Fact(Timeout = 30000)]
    public async Task A_push_requested_during_halving_waits_until_the_split_batch_is_settled()
    {
        var shipper = new ScriptedShipper().Then(TooLarge).Then(ShipOutcome.Delivered).Then(ShipOutcome.Delivered).Then(ShipOutcome.Delivered);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        var one = SomeBatch("web-0", 2);
        var two = SomeBatch("api-0", 3);

        pusher.Tell(new PushRequested(one), TestActor);
        pusher.Tell(new PushRequested(two), TestActor);

        await ExpectMsgAsync(new PushCompleted(2, ShipResult.Delivered), Wait);
        await ExpectMsgAsync(new PushCompleted(3, ShipResult.Delivered), Wait);
        Assert.Equal(
            [["web-0 line 0", "web-0 line 1"], ["web-0 line 0"], ["web-0 line 1"], ["api-0 line 0", "api-0 line 1", "api-0 line 2"]],
            shipper.Calls.Select(c => c.Entries.Select(e => e.Line).ToArray()));
    }

    [Fact(Timeout = 30000)]
    public async Task A_partial_400_counts_the_refused_entries_by_reason_and_the_rest_as_shipped()
    {
        var body = string.Join('\n', TooOldLine(1), TooOldLine(2), TooFarBehindLine, "user 'fake', total ignored: 3 out of 10");
        var shipper = new ScriptedShipper().Then(new ShipOutcome(ShipResult.Rejected, 400, body));
        var counters = new ShippingCounters();
        ReadLines(counters, 10);
        var pusher = Pusher(shipper, counters);
        var batch = SomeBatch("web-0", 10);
        Assert.Equal(10, counters.EntriesInFlight);

        pusher.Tell(new PushRequested(batch), TestActor);

        await ExpectMsgAsync(new PushCompleted(10, ShipResult.Rejected), Wait);
        Assert.Equal(3, counters.EntriesRejected);
        Assert.Equal(7, counters.EntriesShipped);
        Assert.Equal((long)Math.Round(LineBytes(batch) * 0.7), counters.BytesShipped);
        Assert.Equal(new Dictionary<string, long> { ["too_old"] = 2, ["too_far_behind"] = 1 }, counters.RejectedByReason);
        Assert.Equal(0, counters.EntriesInFlight);
        Assert.Equal(1, counters.Pushes);
        Assert.Equal(body, counters.LastPushError);
    }

    [Fact(Timeout = 30000)]
    public async Task Rejections_by_reason_add_up_over_batches()
    {
        var shipper = new ScriptedShipper()
            .Then(new ShipOutcome(ShipResult.Rejected, 400, TooOldLine(1) + "\nuser 'fake', total ignored: 1 out of 4"))
            .Then(ShipOutcome.Delivered)
            .Then(new ShipOutcome(ShipResult.Rejected, 400, string.Join('\n', TooOldLine(1), TooOldLine(2), TooFarBehindLine, "user 'fake', total ignored: 3 out of 3")));
        var counters = new ShippingCounters();
        ReadLines(counters, 4 + 2 + 3 + 1);
        var pusher = Pusher(shipper, counters);

        pusher.Tell(new PushRequested(SomeBatch("web-0", 4)), TestActor);
        pusher.Tell(new PushRequested(SomeBatch("api-0", 2)), TestActor);
        pusher.Tell(new PushRequested(SomeBatch("db-0", 3)), TestActor);

        await ExpectMsgAsync(new PushCompleted(4, ShipResult.Rejected), Wait);
        await ExpectMsgAsync(new PushCompleted(2, ShipResult.Delivered), Wait);
        await ExpectMsgAsync(new PushCompleted(3, ShipResult.Rejected), Wait);
        Assert.Equal(new Dictionary<string, long> { ["too_old"] = 3, ["too_far_behind"] = 1 }, counters.RejectedByReason);
        Assert.Equal(4, counters.EntriesRejected);
        Assert.Equal(3 + 2, counters.EntriesShipped);

        // One entry read is not settled yet.
        Assert.Equal(1, counters.EntriesInFlight);
    }

    [Fact(Timeout = 30000)]
    public async Task EntriesInFlight_counts_what_was_read_and_is_not_settled_yet()
    {
        var delivery = new TaskCompletionSource<ShipOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipper = new ScriptedShipper().Then(() => delivery.Task);
        var counters = new ShippingCounters();
        var pusher = Pusher(shipper, counters);
        Assert.Equal(0, counters.EntriesInFlight);

        ReadLines(counters, 3);
        ReadLines(counters, 2);
        pusher.Tell(new PushRequested(SomeBatch("web-0", 5)), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(shipper.Calls.Count == 1), Wait);
        Assert.Equal(5, counters.EntriesRead);
        Assert.Equal(5, counters.EntriesInFlight);

        delivery.SetResult(ShipOutcome.Delivered);
        await ExpectMsgAsync(new PushCompleted(5, ShipResult.Delivered), Wait);
        Assert.Equal(0, counters.EntriesInFlight);
    }

    [Fact(Timeout = 30000)]
    public async Task Against_a_loki_double_a_413_batch_is_stored_completely_through_its_halves()
    {
        await using var loki = await Aggregator.Simulation.Loki.LokiDouble.StartAsync();
        using var client = new LokiClient(new LokiSettings { PushUri = loki.PushUri });
        loki.EnqueueResponses(413);
        var counters = new ShippingCounters();
        var pusher = Pusher(client, counters);
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        var batch = Batch([.. Enumerable.Range(0, 6).Select(i => (Stream("web-0"), now + i, $"line {i}"))]);

        pusher.Tell(new PushRequested(batch), TestActor);

        await ExpectMsgAsync(new PushCompleted(6, ShipResult.Delivered), Wait);
        Assert.Equal([413, 204, 204], loki.Pushes.Select(p => p.StatusCode));
        Assert.Equal([6, 3, 3], loki.Pushes.Select(p => p.EntryCount));
        Assert.Equal(
            ["line 0", "line 1", "line 2", "line 3", "line 4", "line 5"],
            loki.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" }).Select(e => e.Line));
        Assert.Equal(6, counters.EntriesShipped);
    }
}
