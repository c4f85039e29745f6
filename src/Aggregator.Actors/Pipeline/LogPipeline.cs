using Aggregator.Actors.Loki;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The running stream graph: every tail's entries merge into one hub, are grouped by label set into lanes,
/// batched by bytes, lines and time, and pushed one request at a time through the pusher. Each stage only
/// pulls when the next has room, so a slow Loki holds the tails' reading back.
/// </summary>
public sealed class LogPipeline
{
    private readonly UniqueKillSwitch _intake;

    private LogPipeline(Sink<LogEntry, NotUsed> entrySink, UniqueKillSwitch intake, Task completion)
    {
        EntrySink = entrySink;
        _intake = intake;
        Completion = completion;
    }

    /// <summary>Where a tail runs its entries into; each tail materialises its own producer on it.</summary>
    public Sink<LogEntry, NotUsed> EntrySink { get; }

    /// <summary>Completes once the pipeline has settled everything it took in, after <see cref="Complete"/>.</summary>
    public Task Completion { get; }

    /// <summary>
    /// Starts the graph, pushing through <paramref name="pusher"/> (a <see cref="LokiPusher"/>); what Loki has
    /// settled is given back to <paramref name="budget"/>, which the tails take from as they read.
    /// </summary>
    public static LogPipeline Start(PipelineSettings settings, IActorRef pusher, IMaterializer materializer, BufferBudget budget)
    {
        var lanes = Math.Max(1, settings.Lanes);
        var ((entrySink, intake), completion) = MergeHub.Source<LogEntry>(settings.PerTailBuffer)
            .ViaMaterialized(KillSwitches.Single<LogEntry>(), Keep.Both)
            .Via(Batching(settings, lanes))
            .SelectAsync(1, async batch =>
            {
                var completed = await pusher.Ask<PushCompleted>(new PushRequested(batch), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
                budget.Release(batch.Weight);
                return completed;
            })
            .ToMaterialized(Sink.Ignore<PushCompleted>(), Keep.Both)
            .Run(materializer);
        return new LogPipeline(entrySink, intake, completion);
    }

    /// <summary>Entries in, push batches out: the part of the graph that tests drive directly.</summary>
    public static Flow<LogEntry, PushBatch, NotUsed> Batching(PipelineSettings settings, int lanes)
    {
        // MergeSubstreams is typed as IFlow though it returns the Flow it was given.
        var batched = (Flow<LogEntry, IEnumerable<LogEntry>, NotUsed>)Flow.Create<LogEntry>()
            .GroupBy(lanes, entry => entry.Stream.LabelsHash % lanes)
            .GroupedWeightedWithin(settings.BatchMaxBytes, settings.BatchSize, settings.BatchTimeout, entry => entry.Weight)
            .MergeSubstreams();
        return batched
            // While the pusher is busy, batches that are ready meanwhile travel together in its next request.
            .BatchWeighted(
                settings.BatchMaxBytes,
                ready => WeightOf(ready),
                ready => new PushBatch([.. ready]),
                (batch, ready) => batch.Append(ready));
    }

    /// <summary>Stops taking entries in; what was taken is still batched and pushed, then <see cref="Completion"/> completes.</summary>
    public void Complete() => _intake.Shutdown();

    private static long WeightOf(IEnumerable<LogEntry> entries)
    {
        long weight = 0;
        foreach (var entry in entries)
        {
            weight += entry.Weight;
        }

        return weight;
    }
}
