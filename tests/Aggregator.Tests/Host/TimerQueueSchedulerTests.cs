using Aggregator.Host;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>Akka's scheduler on .NET's timer queue: once, repeatedly, cancelled, failing, and after disposal.</summary>
public sealed class TimerQueueSchedulerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TimerQueueScheduler _scheduler = new(ConfigurationFactory.Default(), NoLogger.Instance);

    private IAdvancedScheduler Advanced => ((IScheduler)_scheduler).Advanced;

    public void Dispose() => _scheduler.Dispose();

    /// <summary>Completes when an action scheduled after everything else has run: whatever was due before it has had its turn.</summary>
    private Task Later(TimeSpan delay)
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced.ScheduleOnce(delay, () => ran.TrySetResult());
        return ran.Task.WaitAsync(Wait);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_action_runs_once_after_its_delay()
    {
        var runs = 0;
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(100), () =>
        {
            Interlocked.Increment(ref runs);
            ran.TrySetResult();
        });
        await ran.Task.WaitAsync(Wait);
        var elapsed = clock.Elapsed;
        await Later(TimeSpan.FromMilliseconds(300));

        // The timer queue counts in the kernel's coarse clock, a few milliseconds a step.
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(90), $"ran after {elapsed.TotalMilliseconds} ms");
        Assert.Equal(1, runs);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_message_is_told_to_its_receiver_from_its_sender()
    {
        var receiver = new Recorder();

        ((ITellScheduler)_scheduler).ScheduleTellOnce(TimeSpan.FromMilliseconds(20), receiver, "tick", ActorRefs.Nobody);

        Assert.Equal(("tick", ActorRefs.Nobody), await receiver.Received.Task.WaitAsync(Wait));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_repeated_action_runs_until_it_is_cancelled()
    {
        var runs = 0;
        var thrice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelable = new Cancelable((IScheduler)_scheduler);

        Advanced.ScheduleRepeatedly(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), () =>
        {
            if (Interlocked.Increment(ref runs) == 3)
            {
                thrice.TrySetResult();
            }
        }, cancelable);
        await thrice.Task.WaitAsync(Wait);
        cancelable.Cancel();
        var atCancel = Volatile.Read(ref runs);
        await Later(TimeSpan.FromMilliseconds(200));

        // A run already under way as it was cancelled may still finish.
        Assert.InRange(Volatile.Read(ref runs), atCancel, atCancel + 1);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_action_cancelled_before_its_time_never_runs()
    {
        var runs = 0;
        var cancelable = new Cancelable((IScheduler)_scheduler);
        Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(50), () => Interlocked.Increment(ref runs), cancelable);
        var cancelledFirst = new Cancelable((IScheduler)_scheduler);
        cancelledFirst.Cancel();
        Advanced.ScheduleOnce(TimeSpan.Zero, () => Interlocked.Increment(ref runs), cancelledFirst);

        cancelable.Cancel();
        await Later(TimeSpan.FromMilliseconds(200));

        Assert.Equal(0, runs);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_repeated_action_that_fails_is_not_run_again()
    {
        var runs = 0;

        Advanced.ScheduleRepeatedly(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), () =>
        {
            Interlocked.Increment(ref runs);
            throw new InvalidOperationException("broken");
        });
        await Later(TimeSpan.FromMilliseconds(200));

        Assert.Equal(1, runs);
    }

    [Fact(Timeout = 30_000)]
    public async Task Once_disposed_it_refuses_new_items_and_still_runs_those_it_has()
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(50), () => ran.TrySetResult());

        _scheduler.Dispose();

        Assert.Throws<SchedulerException>(() => Advanced.ScheduleOnce(TimeSpan.Zero, () => { }));
        await ran.Task.WaitAsync(Wait);
    }

    [Fact]
    public void Its_clock_is_the_one_Akka_s_own_scheduler_reads()
    {
        using var akka = new HashedWheelTimerScheduler(ConfigurationFactory.Default(), NoLogger.Instance);
        var before = _scheduler.HighResMonotonicClock;
        var theirs = akka.HighResMonotonicClock;
        var after = _scheduler.HighResMonotonicClock;

        Assert.InRange(theirs, before, after);
    }

    private sealed class Recorder : ICanTell
    {
        public TaskCompletionSource<(object Message, IActorRef Sender)> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Tell(object message, IActorRef sender) => Received.TrySetResult((message, sender));
    }
}
