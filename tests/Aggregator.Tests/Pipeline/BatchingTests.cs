using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class BatchingTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private IMaterializer Materializer => Sys.Materializer();

    private static LogStream Stream(int number) =>
        new(new StreamKey("prod", $"pod-{number}", "app"),
            LabelSet.Create([new("namespace", "prod"), new("pod", $"pod-{number}"), new("container", "app")]));

    private static LogEntry Entry(LogStream stream, int index, string? line = null) =>
        new(stream, 1_795_614_119_000_000_000L + index, line ?? $"{stream.Key.Pod} line {index}");

    private static PipelineSettings Settings(int batchSize = 1000, long maxBytes = 1024 * 1024, TimeSpan? timeout = null, int lanes = 1) =>
        new() { BatchSize = batchSize, BatchMaxBytes = maxBytes, BatchTimeout = timeout ?? Long, Lanes = lanes };

    /// <summary>One lane as the pipeline runs it: its intake forms the batches, its graph hands them on.</summary>
    private (LaneWriter Source, TestSubscriber.Probe<PushBatch> Sink) Run(PipelineSettings settings)
    {
        var intake = new LaneIntake(settings with { Lanes = 1 });
        var sink = ChannelSource.FromReader(intake.Lanes[0])
            .Via(LogPipeline.LaneBatching(settings))
            .RunWith(this.SinkProbe<PushBatch>(), Materializer);
        return (new LaneWriter(intake), sink);
    }

    private static List<string> Lines(PushBatch batch) => [.. batch.Entries.Select(e => e.Line)];

    [Fact(Timeout = 30000)]
    public async Task A_batch_closes_when_it_holds_batch_size_lines()
    {
        var (source, sink) = Run(Settings(batchSize: 3));
        var stream = Stream(1);
        sink.Request(10);

        for (var i = 0; i < 7; i++)
        {
            source.SendNext(Entry(stream, i));
        }

        Assert.Equal(["pod-1 line 0", "pod-1 line 1", "pod-1 line 2"], Lines(await sink.ExpectNextAsync(Wait)));
        Assert.Equal(["pod-1 line 3", "pod-1 line 4", "pod-1 line 5"], Lines(await sink.ExpectNextAsync(Wait)));
        source.SendComplete();
        Assert.Equal(["pod-1 line 6"], Lines(await sink.ExpectNextAsync(Wait)));
        await sink.ExpectCompleteAsync();
    }

    [Fact(Timeout = 30000)]
    public async Task A_batch_closes_when_the_next_line_would_pass_batch_max_bytes()
    {
        // Each entry weighs 4 + 32 = 36; three fit in 108.
        var (source, sink) = Run(Settings(maxBytes: 108));
        var stream = Stream(1);
        sink.Request(10);

        for (var i = 0; i < 7; i++)
        {
            source.SendNext(Entry(stream, i, $"ab{i:D2}"));
        }

        var first = await sink.ExpectNextAsync(Wait);
        Assert.Equal(["ab00", "ab01", "ab02"], Lines(first));
        Assert.Equal(108, first.Weight);
        Assert.Equal(["ab03", "ab04", "ab05"], Lines(await sink.ExpectNextAsync(Wait)));
        source.SendComplete();
        Assert.Equal(["ab06"], Lines(await sink.ExpectNextAsync(Wait)));
        await sink.ExpectCompleteAsync();
    }

    [Fact(Timeout = 30000)]
    public async Task A_line_heavier_than_batch_max_bytes_travels_alone_and_is_not_lost()
    {
        var (source, sink) = Run(Settings(maxBytes: 100));
        var stream = Stream(1);
        sink.Request(10);
        var huge = new string('h', 200);

        source.SendNext(Entry(stream, 0, "a"));
        source.SendNext(Entry(stream, 1, huge));
        source.SendNext(Entry(stream, 2, "b"));
        source.SendComplete();

        var lines = new List<string>();
        await foreach (var batch in Drain(sink))
        {
            lines.AddRange(Lines(batch));
        }

        Assert.Equal(["a", huge, "b"], lines);
    }

    [Fact(Timeout = 30000)]
    public async Task A_partial_batch_goes_on_at_the_batch_timeout_tick_without_another_line()
    {
        var (source, sink) = Run(Settings(timeout: TimeSpan.FromMilliseconds(300)));
        var stream = Stream(1);
        sink.Request(10);

        source.SendNext(Entry(stream, 0));
        source.SendNext(Entry(stream, 1));
        var lines = Lines(await sink.ExpectNextAsync(Wait));
        if (lines.Count < 2)
        {
            // The tick fell between the two writes.
            lines.AddRange(Lines(await sink.ExpectNextAsync(Wait)));
        }

        Assert.Equal(["pod-1 line 0", "pod-1 line 1"], lines);
        source.SendNext(Entry(stream, 2));
        Assert.Equal(["pod-1 line 2"], Lines(await sink.ExpectNextAsync(Wait)));
        source.SendComplete();
        await sink.ExpectCompleteAsync();
    }

    [Fact(Timeout = 30000)]
    public async Task Batches_that_wait_for_a_busy_downstream_are_never_combined_past_one_batchs_size()
    {
        var (source, sink) = Run(Settings(batchSize: 4));
        var stream = Stream(1);

        // No demand downstream while the batches form: one full batch and the rest wait, and stay apart.
        for (var i = 0; i < 6; i++)
        {
            source.SendNext(Entry(stream, i));
        }

        source.SendComplete();
        sink.Request(10);

        var first = await sink.ExpectNextAsync(Wait);
        Assert.Equal(["pod-1 line 0", "pod-1 line 1", "pod-1 line 2", "pod-1 line 3"], Lines(first));
        Assert.Equal(first.Entries.Sum(e => e.Weight), first.Weight);
        Assert.Equal(["pod-1 line 4", "pod-1 line 5"], Lines(await sink.ExpectNextAsync(Wait)));
        await sink.ExpectCompleteAsync();
    }

    [Fact(Timeout = 60000)]
    public async Task Every_entry_of_many_streams_over_several_lanes_comes_out_exactly_once_and_in_stream_order()
    {
        var settings = Settings(batchSize: 7, maxBytes: 4096, timeout: TimeSpan.FromMilliseconds(20), lanes: 4);
        var streams = Enumerable.Range(0, 25).Select(Stream).ToArray();
        var entries = Enumerable.Range(0, 2500).Select(i => Entry(streams[(i * 7) % streams.Length], i)).ToList();

        var pushed = await RunPipeline(settings, entries, settleOnNextTurn: false);

        // In the order the pushers took the requests: a stream's lines reach Loki one request after the other.
        AssertExactlyOnceInOrder(entries, pushed);
        Assert.All(pushed, batch => Assert.True(batch.Weight <= settings.BatchMaxBytes, $"a request weighs {batch.Weight}"));
        Assert.All(pushed, batch => Assert.True(batch.Count <= settings.BatchSize, $"a request carries {batch.Count} lines"));
    }

    [Fact(Timeout = 60000)]
    public async Task Nothing_is_lost_when_each_lane_waits_for_its_pusher_to_settle_one_batch_at_a_time()
    {
        var settings = Settings(batchSize: 5, maxBytes: 2048, timeout: TimeSpan.FromMilliseconds(20), lanes: 3);
        var streams = Enumerable.Range(0, 10).Select(Stream).ToArray();
        var entries = Enumerable.Range(0, 600).Select(i => Entry(streams[(i * 3) % streams.Length], i)).ToList();

        var pushed = await RunPipeline(settings, entries, settleOnNextTurn: true);

        AssertExactlyOnceInOrder(entries, pushed);
        Assert.All(pushed, batch => Assert.True(batch.Weight <= settings.BatchMaxBytes, $"a request weighs {batch.Weight}"));
    }

    [Fact(Timeout = 30000)]
    public async Task A_pooled_block_goes_back_only_once_Loki_has_settled_every_chunk_cut_from_it()
    {
        // One line per batch: the read's two chunks go in two pushes, one after the other.
        var pipeline = LogPipeline.Start(Settings(batchSize: 1, timeout: TimeSpan.FromMilliseconds(20)), TestActor, Materializer, new BufferBudget(1L << 30));
        var (array, block) = LineBlock.Take(LineBlock.PooledFrom);
        var stream = Stream(1);
        List<LogChunk> chunks = [.. Enumerable.Range(0, 2).Select(i => new LogChunk(stream, [new LogEntry(stream, 1_795_614_119_000_000_000L + i, array.AsMemory(i, 1))]))];
        block!.HeldBy(chunks);
        chunks.ForEach(chunk => Assert.True(pipeline.Intake.TryWrite(chunk)));

        var first = await ExpectMsgAsync<PushRequested>(Wait);
        Assert.False(block.Returned);
        LastSender.Tell(new PushCompleted(first.Batch.Count, ShipResult.Delivered));
        var second = await ExpectMsgAsync<PushRequested>(Wait);
        // The first push is settled, but the second still reads the block's bytes (and would on every retry).
        Assert.False(block.Returned);
        LastSender.Tell(new PushCompleted(second.Batch.Count, ShipResult.Delivered));

        await AwaitAssertAsync(() => Assert.True(block.Returned), Wait);
        pipeline.Complete();
        await pipeline.Completion.WaitAsync(Wait);
    }

    [Fact(Timeout = 30000)]
    public async Task The_lag_forgets_a_lanes_chunks_once_Loki_has_settled_its_batch()
    {
        var lag = new DeliveryLag();
        var pipeline = LogPipeline.Start(
            Settings(batchSize: 1, timeout: TimeSpan.FromMilliseconds(20)), TestActor, Materializer, new BufferBudget(1L << 30), lag: lag);
        var stream = Stream(1);
        var chunks = Enumerable.Range(0, 2).Select(i => new LogChunk(stream, [Entry(stream, i)])).ToList();
        foreach (var chunk in chunks)
        {
            lag.Entered(chunk);
            Assert.True(pipeline.Intake.TryWrite(chunk));
        }

        var first = await ExpectMsgAsync<PushRequested>(Wait);
        Assert.Equal(2, lag.PendingChunks);
        LastSender.Tell(new PushCompleted(first.Batch.Count, ShipResult.Delivered));
        var second = await ExpectMsgAsync<PushRequested>(Wait);
        await AwaitAssertAsync(() => Assert.Equal(1, lag.PendingChunks), Wait);
        LastSender.Tell(new PushCompleted(second.Batch.Count, ShipResult.Rejected));

        await AwaitAssertAsync(() => Assert.Equal(0, lag.PendingChunks), Wait);
        Assert.Equal(0, lag.OldestPendingAgeSeconds());
        pipeline.Complete();
        await pipeline.Completion.WaitAsync(Wait);
    }

    /// <summary>
    /// Runs the pipeline as production does, through a dispatcher with a recording pusher per lane, writes every
    /// entry into its intake as a tail would (taking from the budget first), completes it and returns the requests
    /// in the order the pushers took them.
    /// </summary>
    private async Task<List<PushBatch>> RunPipeline(PipelineSettings settings, List<LogEntry> entries, bool settleOnNextTurn)
    {
        var pushed = new List<PushBatch>();
        var dispatcher = Sys.ActorOf(PushDispatcher.Props(Props.Create(() => new RecordingPusher(pushed, settleOnNextTurn)), settings.Lanes, settings));
        var budget = new BufferBudget(1L << 30);
        var pipeline = LogPipeline.Start(settings, dispatcher, Materializer, budget);

        foreach (var entry in entries)
        {
            var chunk = new LogChunk(entry.Stream, [entry]);
            await budget.AcquireAsync(chunk.Weight, CancellationToken.None);
            Assert.True(pipeline.Intake.TryWrite(chunk));
        }

        pipeline.Complete();
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, budget.Used);
        Assert.False(pipeline.Intake.TryWrite(new LogChunk(entries[0].Stream, [entries[0]])));
        // Every pusher has answered its last push before completion, and wrote the list under its lock.
        lock (pushed)
        {
            return [.. pushed];
        }
    }

    /// <summary>A pusher that records every batch and settles it, at once or only on its next turn.</summary>
    private sealed class RecordingPusher : ReceiveActor
    {
        public RecordingPusher(List<PushBatch> batches, bool settleOnNextTurn)
        {
            Receive<PushRequested>(push =>
            {
                lock (batches)
                {
                    batches.Add(push.Batch);
                }

                var settle = new Settle(Sender, new PushCompleted(push.Batch.Count, ShipResult.Delivered));
                if (settleOnNextTurn)
                {
                    Self.Tell(settle);
                }
                else
                {
                    settle.To.Tell(settle.Answer);
                }
            });
            Receive<Settle>(settle => settle.To.Tell(settle.Answer));
        }

        private sealed record Settle(IActorRef To, PushCompleted Answer);
    }

    /// <summary>Writes entries into a lane as a tail would, each a chunk of its own.</summary>
    private sealed class LaneWriter(LaneIntake intake)
    {
        public void SendNext(LogEntry entry) => Assert.True(intake.TryWrite(new LogChunk(entry.Stream, [entry])));

        public void SendComplete() => intake.TryComplete();
    }

    private static async IAsyncEnumerable<PushBatch> Drain(TestSubscriber.Probe<PushBatch> sink)
    {
        while (true)
        {
            sink.Request(1);
            var next = await sink.ExpectEventAsync(Wait);
            switch (next)
            {
                case TestSubscriber.OnNext<PushBatch> batch:
                    yield return batch.Element;
                    break;
                case TestSubscriber.OnComplete:
                    yield break;
                default:
                    throw new InvalidOperationException($"unexpected {next}");
            }
        }
    }

    private static void AssertExactlyOnceInOrder(List<LogEntry> sent, IEnumerable<PushBatch> batches)
    {
        var received = batches.SelectMany(b => b.Entries).ToList();
        Assert.Equal(sent.Count, received.Count);
        Assert.Equal(sent.Select(e => e.Line).Order(StringComparer.Ordinal), received.Select(e => e.Line).Order(StringComparer.Ordinal));
        foreach (var group in sent.GroupBy(e => e.Stream))
        {
            Assert.Equal(group.Select(e => e.Line), received.Where(e => e.Stream == group.Key).Select(e => e.Line));
        }
    }
}
