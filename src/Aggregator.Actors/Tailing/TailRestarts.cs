using Aggregator.Actors.Loki;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// When crashed tails start again. A tail that crashes (a bug: expected faults are handled inside it) is stopped by
/// its parent and started again after a backoff that doubles while it keeps crashing, and starts from the minimum
/// again once the tail has run for as long as the longest wait without crashing.
/// </summary>
/// <remarks>
/// The parent does this itself instead of putting a BackoffSupervisor above every tail: that is a second actor per
/// container (about 2 KB: cell, mailbox, watches) kept for a crash that should never happen. Only tails that have
/// crashed are remembered here.
/// </remarks>
public sealed class TailRestarts(TimeSpan minimum, TimeSpan maximum, Func<long> nowMs, Random? random = null)
{
    private readonly Dictionary<string, Crashes> _crashed = new(StringComparer.Ordinal);

    /// <summary>Restarts by the tail settings, on the machine's clock.</summary>
    public TailRestarts(TailSettings settings)
        : this(settings.CrashRestartMinimum, settings.CrashRestartMaximum, () => Environment.TickCount64)
    {
    }

    /// <summary>
    /// The supervisor strategy of the tails' parent: a crash is counted for the tail <paramref name="tailIdOf"/> names,
    /// and logged with its cause.
    /// </summary>
    public SupervisorStrategy Strategy(ILoggingAdapter log, Func<IActorRef, string> tailIdOf) => new TailCrashStrategy((tail, cause) =>
    {
        var tailId = tailIdOf(tail);
        Crashed(tailId, cause.Message);
        log.Error(cause, "Tail {0} crashed ({1} in a row); starting it again after a backoff", tailId, CrashesOf(tailId));
    });

    /// <summary>Counts a crash of <paramref name="tailId"/>; <see cref="TakeDelay"/> then says how long it waits.</summary>
    public void Crashed(string tailId, string? cause = null)
    {
        if (!_crashed.TryGetValue(tailId, out var crashes))
        {
            _crashed[tailId] = crashes = new Crashes(new RetryBackoff(minimum, maximum, random));
        }
        else if (nowMs() - crashes.StartedAtMs >= maximum.TotalMilliseconds)
        {
            crashes.Backoff.Reset();
        }

        crashes.Delay = crashes.Backoff.NextDelay();
        crashes.LastCause = cause;
    }

    /// <summary>
    /// Once the tail has stopped: the wait before it starts again when it crashed, or null when it finished (it is
    /// then forgotten).
    /// </summary>
    public TimeSpan? TakeDelay(string tailId)
    {
        if (_crashed.TryGetValue(tailId, out var crashes) && crashes.Delay is { } delay)
        {
            crashes.Delay = null;
            return delay;
        }

        _crashed.Remove(tailId);
        return null;
    }

    /// <summary>The tail starts, for the first time or again.</summary>
    public void Started(string tailId)
    {
        if (_crashed.TryGetValue(tailId, out var crashes))
        {
            crashes.StartedAtMs = nowMs();
        }
    }

    /// <summary>Crashes in a row of a tail that has crashed and not yet run long enough to be forgiven.</summary>
    public int CrashesOf(string tailId) => _crashed.TryGetValue(tailId, out var crashes) ? crashes.Backoff.Failures : 0;

    /// <summary>
    /// The state inspection shows of a tail waiting to start again after a crash: its tail died with what it had read,
    /// so only the crash is left to tell.
    /// </summary>
    public TailState Waiting(TailTarget target) => new(
        target, $"crashed ({CrashesOf(target.TailId)} in a row), starting again", 0, 0, 0, 0,
        _crashed.TryGetValue(target.TailId, out var crashes) && crashes.LastCause is { } cause ? $"crashed: {cause}" : "crashed");

    private sealed class Crashes(RetryBackoff backoff)
    {
        public RetryBackoff Backoff { get; } = backoff;

        public long StartedAtMs { get; set; }

        public TimeSpan? Delay { get; set; }

        public string? LastCause { get; set; }
    }
}

/// <summary>
/// Supervision of tails: a child that fails is stopped, not restarted in place, and its parent is told so that it
/// can start it again after a backoff (<see cref="TailRestarts"/>). A tail that cannot even be created stays stopped.
/// </summary>
public sealed class TailCrashStrategy(Action<IActorRef, Exception> crashed) : OneForOneStrategy(DefaultDecider)
{
    public override void ProcessFailure(
        IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        // restart: the default decider's word for an ordinary exception; initialisation failures and kills say stop.
        if (restart)
        {
            crashed(child, cause);
        }

        context.Stop(child);
    }
}
