using Microsoft.Extensions.Hosting;

namespace Aggregator.Host;

/// <summary>Collects the young generations at a fixed interval, so that lines which lived through a batch do not pile up.</summary>
/// <remarks>
/// A line lives about BATCH_TIMEOUT, long enough to outlive a generation-0 collection, so it dies in generation 1;
/// left to itself the GC collects generation 1 rarely and the process's memory grew by tens of MiB over a minute
/// (BENCHMARKS.md: 289 against 217 MiB at 1,000 containers over 60 s). The collections did not move the CPU
/// share in those runs: generation 1 holds only what lived through the last few seconds.
/// </remarks>
internal sealed class YoungGenerationCollector(TimeSpan interval) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
