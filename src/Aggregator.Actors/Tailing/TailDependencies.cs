using System.Threading.Channels;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Tailing;

/// <summary>What every tail of a node shares: the API, the pipeline and its memory budget, where positions come from.</summary>
/// <param name="Api">Log and pod requests.</param>
/// <param name="Pipeline">Where entries go (<see cref="LogPipeline.Intake"/>).</param>
/// <param name="Settings">Reading and reopening.</param>
/// <param name="Budget">Memory of log data between reading and Loki's answer.</param>
/// <param name="Counters">Totals of read, shipped and refused lines.</param>
/// <param name="Positions">Where a new tail learns what Loki holds already; null reads every log from its start.</param>
/// <param name="Pacer">Where quiet tails wait for the intake's tick (<see cref="LogPipeline.Pacer"/>); null reads every line as it comes.</param>
public sealed record TailDependencies(
    IPodApi Api,
    ChannelWriter<LogChunk> Pipeline,
    TailSettings Settings,
    BufferBudget Budget,
    ShippingCounters Counters,
    IStreamPositions? Positions,
    ReadPacer? Pacer = null)
{
    private int _positionWarningGiven;

    /// <summary>
    /// Requests being opened right now, across all tails: a thousand tails that start together would otherwise ask
    /// the API server (and Loki) for a thousand streams at once.
    /// </summary>
    public BufferBudget Opening { get; } = new(Math.Max(1, Settings.MaxConcurrentOpens));

    /// <summary>Runs <paramref name="open"/> once a place among the concurrent openings is free.</summary>
    public async Task<T> OpenAsync<T>(Func<Task<T>> open, CancellationToken cancellationToken)
    {
        await Opening.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        try
        {
            return await open().ConfigureAwait(false);
        }
        finally
        {
            Opening.Release(1);
        }
    }

    /// <summary>True the first time only: a refused position query is said once, not once per container.</summary>
    public bool FirstPositionWarning() => Interlocked.Exchange(ref _positionWarningGiven, 1) == 0;
}
