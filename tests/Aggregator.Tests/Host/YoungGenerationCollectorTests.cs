using Aggregator.Actors.Pipeline;
using Aggregator.Host;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>When a collector's tick also collects everything: the process took more memory than ever, and is not busy.</summary>
public sealed class YoungGenerationCollectorTests
{
    private const long MiB = 1024 * 1024;

    private static bool CollectsEverything(long mostCommitted, long committed, BufferBudget? budget = null) =>
        YoungGenerationCollector.CollectsEverything(mostCommitted, committed, budget ?? new BufferBudget(16 * MiB));

    [Fact]
    public void A_tick_that_leaves_a_mib_more_committed_than_ever_collects_everything() =>
        Assert.True(CollectsEverything(40 * MiB, 41 * MiB));

    [Fact]
    public void Less_growth_than_a_mib_does_not() =>
        Assert.False(CollectsEverything(40 * MiB, (41 * MiB) - 1));

    [Fact]
    public void Growing_back_towards_a_mark_it_reached_before_does_not()
    {
        // A compaction gave memory back (38) that the next young collections take again, up to the mark (45).
        Assert.False(CollectsEverything(45 * MiB, 38 * MiB));
        Assert.False(CollectsEverything(45 * MiB, 45 * MiB));
    }

    [Fact]
    public void Not_while_the_budget_is_more_than_half_used()
    {
        var budget = new BufferBudget(16 * MiB);
        Assert.True(budget.AcquireAsync(8 * MiB, CancellationToken.None).AsTask().IsCompletedSuccessfully);
        Assert.True(CollectsEverything(40 * MiB, 50 * MiB, budget));

        Assert.True(budget.AcquireAsync(1, CancellationToken.None).AsTask().IsCompletedSuccessfully);

        Assert.False(CollectsEverything(40 * MiB, 50 * MiB, budget));
    }

    [Fact]
    public void Not_while_a_tail_waits_for_the_budget()
    {
        var budget = new BufferBudget(16 * MiB);
        Assert.True(budget.AcquireAsync(2 * MiB, CancellationToken.None).AsTask().IsCompletedSuccessfully);
        var waiting = budget.AcquireAsync(15 * MiB, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        Assert.False(CollectsEverything(40 * MiB, 50 * MiB, budget));

        budget.Release(2 * MiB);
        Assert.True(waiting.IsCompletedSuccessfully);
    }
}
