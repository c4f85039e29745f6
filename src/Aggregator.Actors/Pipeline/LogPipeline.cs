using System.Threading.Channels;
using Aggregator.Actors.Loki;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The running stream graphs: every tail's chunks go to their stream's lane (chosen by label set), where the intake
/// forms them into batches by bytes, lines and time, and each lane's graph pushes its batches, one request at a time.
/// What bounds the lines in flight is the <see cref="BufferBudget"/>, so a slow Loki holds the tails' reading back.
/// </summary>
/// <remarks>
/// One graph per lane, fed by a channel of its own, rather than one graph that splits the chunks into lanes with
/// <c>GroupBy</c>: a substream hands every element over through an asynchronous callback, which cost objects per
/// chunk (BENCHMARKS.md), and separate graphs let the lanes push on every core.
/// </remarks>
public sealed class LogPipeline
{
    private readonly LaneIntake _intake;

    private LogPipeline(LaneIntake intake, Task completion)
    {
        _intake = intake;
        Completion = completion;
    }

    /// <summary>
    /// Where tails hand their chunks in, each tail in its read order. It never holds a writer back: what bounds the
    /// chunks in flight is the <see cref="BufferBudget"/> a tail takes from before it writes. A write fails only
    /// once <see cref="Complete"/> has been called.
    /// </summary>
    public ChannelWriter<LogChunk> Intake => _intake;

    /// <summary>Where quiet tails wait for the tick that sends the partial batches (<see cref="ReadPacer"/>).</summary>
    public ReadPacer Pacer => _intake.Pacer;

    /// <summary>Completes once the pipeline has settled everything it took in, after <see cref="Complete"/>.</summary>
    public Task Completion { get; }

    /// <summary>
    /// Starts a graph per lane. Each lane hands its batches to <paramref name="pusher"/> (a <see cref="PushDispatcher"/>),
    /// one batch at a time: batches of different lanes are in flight together, while a stream, which always takes the
    /// same lane, reaches Loki in the order it was read. What Loki has settled is given back to <paramref name="budget"/>,
    /// which the tails take from as they read. <paramref name="settled"/>, when given, hears of every batch Loki has
    /// settled, in each lane's order (from the lanes' threads): what replicated positions are made of. <paramref name="lag"/>,
    /// when given, forgets each settled chunk, as the budget gets its weight back.
    /// </summary>
    public static LogPipeline Start(
        PipelineSettings settings, IActorRef pusher, IMaterializer materializer, BufferBudget budget, Action<PushBatch>? settled = null, DeliveryLag? lag = null)
    {
        var intake = new LaneIntake(settings);
        var lanes = new Task[intake.Lanes.Count];
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            lanes[lane] = ChannelSource.FromReader(intake.Lanes[lane])
                .Via(LaneBatching(settings))
                .SelectAsync(1, async batch =>
                {
                    var completed = await pusher.Ask<PushCompleted>(new PushRequested(batch), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
                    budget.Release(batch.Weight);
                    // The lane's own batch, not the pushes that carried it: a 413's halves cut chunks anew.
                    lag?.Left(batch.Chunks);

                    settled?.Invoke(batch);
                    batch.Settled();
                    return completed;
                })
                .RunWith(Sink.Ignore<PushCompleted>(), materializer);
        }

        var completion = Task.WhenAll(lanes);
        // However the graphs end (completed, or torn down with the materializer), the intake's tick stops with them.
        completion.ContinueWith(_ => intake.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new LogPipeline(intake, completion);
    }

    /// <summary>
    /// One lane's batches on their way to the pusher: the lane's intake forms them (by lines, bytes and time; see
    /// <see cref="PendingBatch"/>), and while the lane's push is in flight, batches that are ready meanwhile travel
    /// together in its next request, within one batch's size.
    /// </summary>
    public static Flow<IReadOnlyList<LogChunk>, PushBatch, NotUsed> LaneBatching(PipelineSettings settings)
    {
        var batchSize = settings.BatchSize;
        var maxBytes = settings.BatchMaxBytes;
        return Flow.Create<IReadOnlyList<LogChunk>>()
            .BatchWeighted(
                batchSize * maxBytes,
                ready => CostOf(ready, batchSize, maxBytes),
                ready => new PushBatch(ready),
                (batch, ready) => batch.Append(ready));
    }

    /// <summary>Stops taking entries in; what was taken is still batched and pushed, then <see cref="Completion"/> completes.</summary>
    public void Complete() => _intake.TryComplete();

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
