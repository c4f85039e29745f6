using Microsoft.Extensions.Hosting;

namespace Aggregator.Host;

/// <summary>Collects the young generations at a fixed interval, so that lines which lived through a batch do not pile up.</summary>
/// <remarks>
/// A line lives about BATCH_TIMEOUT, long enough to outlive a generation-0 collection, so it dies in generation 1;
/// left to itself the GC collects generation 1 rarely and the process's memory grew by tens of MiB over a minute
/// (BENCHMARKS.md: 289 against 217 MiB at 1,000 containers over 60 s). A tick collects only when the process has
/// allocated <see cref="MinimumAllocatedBytes"/> since the last collection: a quiet aggregator has next to nothing
/// to free, and need not wake every second to find that out.
/// </remarks>
internal sealed class YoungGenerationCollector(TimeSpan interval) : BackgroundService
{
    /// <summary>Allocation since the last collection below which a tick does nothing.</summary>
    public const long MinimumAllocatedBytes = 4 * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        var allocatedAtLast = GC.GetTotalAllocatedBytes();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var allocated = GC.GetTotalAllocatedBytes();
                if (allocated - allocatedAtLast < MinimumAllocatedBytes)
                {
                    continue;
                }

                GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: false);
                allocatedAtLast = allocated;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
