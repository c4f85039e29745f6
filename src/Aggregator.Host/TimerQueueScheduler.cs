using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using Akka.Util;

namespace Aggregator.Host;

/// <summary>
/// Akka's scheduler on .NET's timer queue: each scheduled item is a timer of its own, so the process wakes when
/// something is due rather than on every tick of a wheel.
/// </summary>
/// <remarks>
/// Akka's own scheduler ticks every 50 ms through a timer that .NET counts in the kernel's coarse clock (4 ms steps
/// here); the tick often ends a few milliseconds early by Akka's precise clock, and Akka sleeps again, 1 ms at a time.
/// An idle aggregator woke about 90 times a second for it, on the timer thread and again on a pool thread: half of
/// its CPU (BENCHMARKS.md, session 15). Here an item fires within the timer queue's few milliseconds of its time.
/// Disposing the scheduler refuses new items; those already scheduled still fire, as a timeout someone awaits must.
/// </remarks>
public sealed class TimerQueueScheduler(Config scheduler, ILoggingAdapter log) : SchedulerBase(scheduler, log), IDisposable
{
    /// <summary>The HOCON line that makes an actor system use this scheduler.</summary>
    public static readonly string Hocon = $"akka.scheduler.implementation = \"{typeof(TimerQueueScheduler).TypeQualifiedName()}\"";

    // Never started (it starts its thread on the first item scheduled): read only for its clock, which is Akka's own
    // process-wide one, so that times from this scheduler compare with those the rest of Akka reads.
    private readonly HashedWheelTimerScheduler _akkaClock = new(scheduler, log);
    private volatile bool _disposed;

    public override TimeSpan MonotonicClock => _akkaClock.MonotonicClock;

    public override TimeSpan HighResMonotonicClock => _akkaClock.HighResMonotonicClock;

    protected override DateTimeOffset TimeNow => DateTimeOffset.Now;

    public void Dispose()
    {
        _disposed = true;
        _akkaClock.Dispose();
    }

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(
        TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(initialDelay, interval, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action, cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, action.Run, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action.Run, cancelable);

    private void Schedule(TimeSpan delay, TimeSpan interval, Action action, ICancelable? cancelable)
    {
        if (_disposed)
        {
            throw new SchedulerException("cannot enqueue after timer shutdown");
        }

        if (cancelable is { IsCancellationRequested: true })
        {
            return;
        }

        new ScheduledItem(action, cancelable, interval, Log).Start(delay);
    }

    /// <summary>One scheduled action and its timer, which it disposes once it will not fire again.</summary>
    private sealed class ScheduledItem : IDisposable
    {
        private readonly ICancelable? _cancelable;
        private readonly TimeSpan _interval;
        private readonly ILoggingAdapter _log;
        private readonly Timer _timer;
        private CancellationTokenRegistration _cancellation;
        private Action? _action;

        public ScheduledItem(Action action, ICancelable? cancelable, TimeSpan interval, ILoggingAdapter log)
        {
            _action = action;
            _cancelable = cancelable;
            _interval = interval;
            _log = log;

            // The timer keeps no caller's ExecutionContext: what it runs is a message send, whoever scheduled it.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = new Timer(static item => ((ScheduledItem)item!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
            }
        }

        public void Start(TimeSpan delay)
        {
            if (_cancelable is not null)
            {
                _cancellation = _cancelable.Token.UnsafeRegister(static item => ((ScheduledItem)item!).Dispose(), this);
            }

            try
            {
                _timer.Change(delay, _interval > TimeSpan.Zero ? _interval : Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Cancelled in between: there is nothing to start.
            }
        }

        public void Dispose()
        {
            _action = null;
            _timer.Dispose();
            _cancellation.Dispose();
        }

        private void Fire()
        {
            var run = _action;
            if (run is null || _cancelable is { IsCancellationRequested: true })
            {
                Dispose();
                return;
            }

            try
            {
                run();
            }
            catch (Exception e)
            {
                // As Akka's own scheduler does: logged, and a repeating item that failed is not run again.
                _log.Error(e, "Error while executing scheduled task");
                Dispose();
                return;
            }

            if (_interval <= TimeSpan.Zero)
            {
                Dispose();
            }
        }
    }
}
