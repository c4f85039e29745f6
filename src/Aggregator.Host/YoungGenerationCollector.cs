using Aggregator.Actors.Pipeline;
using Microsoft.Extensions.Hosting;

namespace Aggregator.Host;

/// <summary>
/// Collects the young generations at a fixed interval, so that lines which lived through a batch do not pile up; and
/// everything, compacting, when the GC has just committed more memory than ever and the pipeline is not busy. Each
/// such tick also gives the C heap's free pages back (<see cref="NativeHeap"/>).
/// </summary>
/// <remarks>
/// A line lives about BATCH_TIMEOUT, long enough to outlive a generation-0 collection, so it dies in generation 1;
/// left to itself the GC collects generation 1 rarely and the process's memory grew by tens of MiB over a minute
/// (BENCHMARKS.md: 289 against 217 MiB at 1,000 containers over 60 s). A tick collects only when the process has
/// allocated <see cref="MinimumAllocatedBytes"/> since the last collection: a quiet aggregator has next to nothing
/// to free, and need not wake every second to find that out.
/// <para>
/// Young collections alone leave what a start leaves in the old generation — a thousand tails' connections, pods and
/// first reads among the garbage of getting them — scattered, and the GC commits fresh regions beside it: at 1,000
/// containers it held 43–52 MB for 30 MB of heap, and peaks spread from 147 to 166 MiB. So when a young collection
/// ends with more committed than after any tick before (by a MiB), the tick also collects everything and compacts;
/// once the process has settled, its committed memory stays below that mark and the ticks stay young. (Measured
/// against the tick before instead, every tick compacted over TLS: a compaction gives back what the next young
/// collection takes again.) Not while the tails' buffer budget holds a tail back or is more than half used: then
/// the heap is mostly lines in flight, which a compaction would copy (and need room to copy into) just before they
/// die; at full speed that cost more CPU per line and raised the peak (BENCHMARKS.md).
/// </para>
/// <para>
/// The trim rides on the same ticks: what the process freed in the C heap since the last one (the JIT's working
/// memory, OpenSSL's buffers) goes back to the system, at about 0.1 ms a tick; a quiet aggregator, which skips its
/// ticks, has freed next to nothing there either.
/// </para>
/// </remarks>
internal sealed class YoungGenerationCollector(TimeSpan interval, BufferBudget budget) : BackgroundService
{
    /// <summary>Allocation since the last collection below which a tick does nothing.</summary>
    public const long MinimumAllocatedBytes = 4 * 1024 * 1024;

    /// <summary>Growth of the GC's committed memory past its highest so far that makes a tick collect everything.</summary>
    public const long CommittedGrowthBytes = 1024 * 1024;

    /// <summary>
    /// Whether a tick whose young collection left <paramref name="committed"/> bytes committed, against at most
    /// <paramref name="mostCommitted"/> after any tick before, also collects everything, given how full
    /// <paramref name="budget"/> is.
    /// </summary>
    public static bool CollectsEverything(long mostCommitted, long committed, BufferBudget budget) =>
        committed - mostCommitted >= CommittedGrowthBytes && budget.Waiting == 0 && budget.Used <= budget.Capacity / 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        var allocatedAtLast = GC.GetTotalAllocatedBytes();
        long mostCommitted = 0;
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
                var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
                if (CollectsEverything(mostCommitted, committed, budget))
                {
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                }

                mostCommitted = Math.Max(mostCommitted, committed);
                NativeHeap.Trim();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
