using System.Threading.Channels;
using Aggregator.Actors.Loki;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The running stream graph: every tail's chunks merge into one hub, are grouped by label set into lanes, batched
/// by bytes, lines and time, and pushed, one request at a time per lane. Each stage only pulls when the next has
/// room, so a slow Loki holds the tails' reading back.
/// </summary>
public sealed class LogPipeline
{
    private readonly Channel<LogChunk> _intake;

    private LogPipeline(Channel<LogChunk> intake, Task completion)
    {
        _intake = intake;
        Completion = completion;
    }

    /// <summary>
    /// Where tails hand their chunks in, each tail in its read order. It never holds a writer back: what bounds the
    /// chunks in flight is the <see cref="BufferBudget"/> a tail takes from before it writes. A write fails only
    /// once <see cref="Complete"/> has been called.
    /// </summary>
    public ChannelWriter<LogChunk> Intake => _intake.Writer;

    /// <summary>Completes once the pipeline has settled everything it took in, after <see cref="Complete"/>.</summary>
    public Task Completion { get; }

    /// <summary>
    /// Starts the graph. Each lane pushes through its own pusher (a <see cref="LokiPusher"/>), one request at a
    /// time: requests of different lanes are in flight together, while a stream, which always takes the same
    /// lane, reaches Loki in the order it was read. What Loki has settled is given back to <paramref name="budget"/>,
    /// which the tails take from as they read. <paramref name="settled"/>, when given, hears of every batch Loki has
    /// settled, in each lane's order: what replicated positions are made of.
    /// </summary>
    public static LogPipeline Start(
        PipelineSettings settings, IReadOnlyList<IActorRef> pushers, IMaterializer materializer, BufferBudget budget, Action<PushBatch>? settled = null)
    {
        var lanes = Math.Max(1, settings.Lanes);
        var lanesFlow = (Flow<LogChunk, PushCompleted, NotUsed>)InLanes(settings, lanes)
            .SelectAsync(1, async batch =>
            {
                var pusher = pushers[Lane(batch.Chunks[0], lanes) % pushers.Count];
                var completed = await pusher.Ask<PushCompleted>(new PushRequested(batch), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
                budget.Release(batch.Weight);
                settled?.Invoke(batch);
                return completed;
            })
            .MergeSubstreams();
        // The graph's wake-up runs on the writing tail's thread: it only posts a message to the graph's actor, and a
        // hop through the thread pool for it would cost a thread wake-up per read at a trickle.
        var intake = Channel.CreateUnbounded<LogChunk>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        var completion = ChannelSource.FromReader(intake.Reader)
            .Via(lanesFlow)
            .RunWith(Sink.Ignore<PushCompleted>(), materializer);
        return new LogPipeline(intake, completion);
    }

    /// <summary>Chunks in, push batches out, over the lanes: the batching part of the graph, which tests drive directly.</summary>
    public static Flow<LogChunk, PushBatch, NotUsed> Batching(PipelineSettings settings, int lanes) =>
        (Flow<LogChunk, PushBatch, NotUsed>)InLanes(settings, lanes).MergeSubstreams();

    // Akka.NET types a substream's Via and MergeSubstreams loosely; these casts restore what they return.
    private static SubFlow<PushBatch, NotUsed, Sink<LogChunk, NotUsed>> InLanes(PipelineSettings settings, int lanes) =>
        (SubFlow<PushBatch, NotUsed, Sink<LogChunk, NotUsed>>)Flow.Create<LogChunk>()
            .GroupBy(lanes, chunk => Lane(chunk, lanes))
            .Via(LaneBatching(settings));

    /// <summary>
    /// One lane's batching: by lines, bytes and time. One weight carries both size limits: a batch is
    /// batchSize × maxBytes, and a chunk costs the larger of its lines and its bytes in those units (see
    /// <see cref="LogChunk.Cost"/>). Tails cut chunks to fit a batch.
    /// </summary>
    public static Flow<LogChunk, PushBatch, NotUsed> LaneBatching(PipelineSettings settings)
    {
        var batchSize = settings.BatchSize;
        var maxBytes = settings.BatchMaxBytes;
        var capacity = batchSize * maxBytes;
        return Flow.Create<LogChunk>()
            .GroupedWeightedWithin(capacity, int.MaxValue, settings.BatchTimeout, chunk => chunk.Cost(batchSize, maxBytes))
            // While the lane's push is in flight, batches that are ready meanwhile travel together in its next request.
            .BatchWeighted(
                capacity,
                ready => CostOf(ready, batchSize, maxBytes),
                ready => new PushBatch(ready),
                (batch, ready) => batch.Append(ready));
    }

    private static int Lane(LogChunk chunk, int lanes) => chunk.Stream.LabelsHash % lanes;

    /// <summary>Stops taking entries in; what was taken is still batched and pushed, then <see cref="Completion"/> completes.</summary>
    public void Complete() => _intake.Writer.TryComplete();

    private static long CostOf(IEnumerable<LogChunk> chunks, int batchSize, long maxBytes)
    {
        long lines = 0;
        long weight = 0;
        foreach (var chunk in chunks)
        {
            lines += chunk.Count;
            weight += chunk.Weight;
        }

        return Math.Max(lines * maxBytes, weight * batchSize);
    }
}
