using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Aggregator.Actors.Pipeline;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class BufferBudgetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Pending Acquire(BufferBudget budget, long weight, CancellationToken cancellationToken) =>
        new(budget.AcquireAsync(weight, cancellationToken));

    [Fact]
    public void Weights_that_fit_are_granted_at_once()
    {
        var budget = new BufferBudget(100);

        var first = Acquire(budget, 40, CancellationToken.None);
        var second = Acquire(budget, 60, CancellationToken.None);

        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal(100, budget.Capacity);
        Assert.Equal(100, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public void A_weight_that_does_not_fit_waits_until_enough_is_released()
    {
        var budget = new BufferBudget(100);
        Acquire(budget, 95, CancellationToken.None);

        var waiting = Acquire(budget, 10, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        Assert.Equal(95, budget.Used);
        Assert.Equal(1, budget.Waiting);

        budget.Release(4);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(91, budget.Used);

        budget.Release(1);
        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.Equal(100, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task A_small_request_behind_a_big_waiting_one_waits_too()
    {
        var budget = new BufferBudget(100);
        await Acquire(budget, 90, CancellationToken.None);
        var big = Acquire(budget, 50, CancellationToken.None);

        // 5 would fit next to the 90 held, but the big request came first.
        var small = Acquire(budget, 5, CancellationToken.None);

        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);
        Assert.Equal(2, budget.Waiting);
        Assert.Equal(90, budget.Used);

        budget.Release(40);
        Assert.True(big.IsCompletedSuccessfully);
        Assert.False(small.IsCompleted);
        Assert.Equal(100, budget.Used);
        Assert.Equal(1, budget.Waiting);

        budget.Release(5);
        Assert.True(small.IsCompletedSuccessfully);
        Assert.Equal(100, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public void A_new_request_that_would_fit_still_queues_behind_waiting_ones()
    {
        var budget = new BufferBudget(100);
        Acquire(budget, 60, CancellationToken.None);
        var big = Acquire(budget, 50, CancellationToken.None);

        var later = Acquire(budget, 1, CancellationToken.None);

        Assert.False(later.IsCompleted);
        Assert.Equal(60, budget.Used);
        Assert.Equal(2, budget.Waiting);
        Assert.False(big.IsCompleted);
    }

    [Fact]
    public void Release_wakes_waiters_in_order_as_far_as_they_fit()
    {
        var budget = new BufferBudget(100);
        Acquire(budget, 100, CancellationToken.None);
        var waiters = new[] { 30L, 30, 30, 30, 5 }.Select(w => Acquire(budget, w, CancellationToken.None)).ToList();
        Assert.Equal(5, budget.Waiting);

        budget.Release(100);

        // 30 + 30 + 30 fit; the fourth 30 does not, and the 5 behind it waits although it would fit.
        Assert.Equal([true, true, true, false, false], waiters.Select(w => w.IsCompletedSuccessfully));
        Assert.Equal(90, budget.Used);
        Assert.Equal(2, budget.Waiting);

        budget.Release(30);
        Assert.Equal([true, true, true, true, true], waiters.Select(w => w.IsCompletedSuccessfully));
        Assert.Equal(95, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact(Timeout = 30000)]
    public async Task Waiters_are_granted_in_the_order_they_came()
    {
        var budget = new BufferBudget(10);
        await Acquire(budget, 10, CancellationToken.None);
        var order = new List<int>();
        var waiters = Enumerable.Range(1, 5)
            .Select(i => Acquire(budget, 10, CancellationToken.None).AsTask().ContinueWith(_ => { lock (order) { order.Add(i); } }, TaskScheduler.Default))
            .ToList();

        for (var i = 1; i <= 5; i++)
        {
            budget.Release(10);
            await waiters[i - 1].WaitAsync(Wait);
        }

        Assert.Equal([1, 2, 3, 4, 5], order);
        Assert.Equal(10, budget.Used);
    }

    [Fact]
    public void A_weight_larger_than_the_capacity_is_granted_when_nothing_is_held()
    {
        var budget = new BufferBudget(100);

        var huge = Acquire(budget, 250, CancellationToken.None);

        Assert.True(huge.IsCompletedSuccessfully);
        Assert.Equal(250, budget.Used);

        // Nothing else gets in while it is held.
        var small = Acquire(budget, 1, CancellationToken.None);
        Assert.False(small.IsCompleted);

        budget.Release(250);
        Assert.True(small.IsCompletedSuccessfully);
        Assert.Equal(1, budget.Used);
    }

    [Fact]
    public void A_waiting_weight_larger_than_the_capacity_is_granted_once_everything_is_released()
    {
        var budget = new BufferBudget(100);
        Acquire(budget, 30, CancellationToken.None);
        Acquire(budget, 20, CancellationToken.None);
        var huge = Acquire(budget, 250, CancellationToken.None);

        budget.Release(30);
        Assert.False(huge.IsCompleted);

        budget.Release(20);
        Assert.True(huge.IsCompletedSuccessfully);
        Assert.Equal(250, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task Cancelling_a_waiting_acquire_removes_it_and_lets_the_next_one_through()
    {
        var budget = new BufferBudget(100);
        await Acquire(budget, 80, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var big = Acquire(budget, 50, cancel.Token);
        var small = Acquire(budget, 20, CancellationToken.None);
        Assert.Equal(2, budget.Waiting);

        await cancel.CancelAsync();

        Assert.True(big.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(big.AsTask);
        Assert.True(small.IsCompletedSuccessfully);
        Assert.Equal(100, budget.Used);
        Assert.Equal(0, budget.Waiting);

        // The cancelled weight was never taken: releasing what was granted empties the budget.
        budget.Release(80);
        budget.Release(20);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task Cancelling_a_waiter_in_the_middle_keeps_the_others_in_order()
    {
        var budget = new BufferBudget(10);
        await Acquire(budget, 10, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var first = Acquire(budget, 10, CancellationToken.None);
        var middle = Acquire(budget, 10, cancel.Token);
        var last = Acquire(budget, 10, CancellationToken.None);

        await cancel.CancelAsync();

        Assert.True(middle.IsCanceled);
        Assert.False(first.IsCompleted);
        Assert.False(last.IsCompleted);
        Assert.Equal(2, budget.Waiting);
        budget.Release(10);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(last.IsCompleted);
        budget.Release(10);
        Assert.True(last.IsCompletedSuccessfully);
        Assert.Equal(10, budget.Used);
    }

    [Fact]
    public async Task An_acquire_that_must_wait_with_an_already_cancelled_token_is_cancelled_and_takes_nothing()
    {
        var budget = new BufferBudget(100);
        await Acquire(budget, 100, CancellationToken.None);

        var cancelled = Acquire(budget, 10, new CancellationToken(canceled: true));

        Assert.True(cancelled.IsCanceled);
        Assert.Equal(0, budget.Waiting);
        Assert.Equal(100, budget.Used);
    }

    [Fact]
    public async Task Cancelling_after_the_grant_changes_nothing()
    {
        var budget = new BufferBudget(100);
        await Acquire(budget, 100, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var granted = Acquire(budget, 40, cancel.Token);
        budget.Release(100);
        Assert.True(granted.IsCompletedSuccessfully);

        await cancel.CancelAsync();

        Assert.True(granted.IsCompletedSuccessfully);
        Assert.Equal(40, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public void A_granted_wait_is_reused_so_that_waiting_again_allocates_nothing()
    {
        var budget = new BufferBudget(100);
        using var cancel = new CancellationTokenSource();
        Acquire(budget, 100, CancellationToken.None);

        void WaitOnce(long weight)
        {
            var waiting = budget.AcquireAsync(weight, cancel.Token);
            Assert.False(waiting.IsCompleted);
            budget.Release(weight);
            Assert.True(waiting.IsCompletedSuccessfully);
            waiting.GetAwaiter().GetResult();
        }

        // The first wait makes the waiter, and the first registration on the token makes its callback list.
        WaitOnce(100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            WaitOnce(100);
        }

        // A Task, a list node and a cancellation callback a wait came to a few hundred bytes each.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated by 1,000 waits");
        Assert.Equal(100, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public void Releasing_more_than_is_held_leaves_the_budget_at_zero()
    {
        var budget = new BufferBudget(100);
        Acquire(budget, 10, CancellationToken.None);

        budget.Release(25);

        Assert.Equal(0, budget.Used);
    }

    [Fact(Timeout = 30000)]
    public async Task Many_tasks_acquiring_and_releasing_never_exceed_the_capacity_and_end_at_zero()
    {
        const long capacity = 1_000;
        var budget = new BufferBudget(capacity);
        var violations = new ConcurrentQueue<string>();
        long held = 0;
        long granted = 0;
        long cancelled = 0;

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 300; i++)
            {
                // Now and then a weight larger than the whole budget, which may be held only alone.
                long weight = random.Next(50) == 0 ? capacity + random.Next(1, 500) : random.Next(1, 300);
                // Half the workers wait without a token: waiters are reused, and a cancellation still on its way to
                // a waiter that was granted meanwhile must not reach the wait it serves next.
                using var cancel = new CancellationTokenSource();
                var cancellable = seed % 2 == 0;
                var acquire = budget.AcquireAsync(weight, cancellable ? cancel.Token : CancellationToken.None);
                if (random.Next(5) == 0)
                {
                    _ = Task.Run(cancel.Cancel);
                }

                try
                {
                    await acquire;
                }
                catch (OperationCanceledException)
                {
                    if (!cancellable)
                    {
                        violations.Enqueue($"a wait without a token was cancelled (weight {weight})");
                    }

                    Interlocked.Increment(ref cancelled);
                    continue;
                }

                Interlocked.Increment(ref granted);
                var now = Interlocked.Add(ref held, weight);
                if (now > capacity && now != weight)
                {
                    violations.Enqueue($"{now} held with a grant of {weight}");
                }

                await Task.Yield();
                Interlocked.Add(ref held, -weight);
                budget.Release(weight);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(seed => Task.Run(() => Worker(seed))));

        Assert.Empty(violations);
        Assert.Equal(32 * 300, granted + cancelled);
        Assert.True(granted > 0);
        Assert.Equal(0, budget.Used);
        Assert.Equal(0, budget.Waiting);
    }

    /// <summary>
    /// A wait whose state the tests look at as often as they like, while it is not awaited: completed at once, or
    /// when the grant or the cancellation completed it. Awaited, its waiter may serve another wait.
    /// </summary>
    private sealed class Pending(ValueTask wait)
    {
        public bool IsCompleted => wait.IsCompleted;

        public bool IsCompletedSuccessfully => wait.IsCompletedSuccessfully;

        public bool IsCanceled => wait.IsCanceled;

        public ValueTaskAwaiter GetAwaiter() => wait.GetAwaiter();

        public Task AsTask() => wait.AsTask();
    }
}
