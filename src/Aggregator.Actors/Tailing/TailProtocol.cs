using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>A message for one tail, routed by its <see cref="TailTarget.TailId"/> (the shard extractor of a later mode reads this).</summary>
public interface ITailMessage
{
    /// <summary>The tail's address.</summary>
    string TailId { get; }
}

/// <summary>Start tailing a container instance, unless a tail for it runs already.</summary>
/// <param name="Target">The container instance and its labels.</param>
/// <param name="Pod">The pod as the watcher saw it; the tail decides from it how to begin.</param>
public sealed record StartTail(TailTarget Target, V1Pod Pod) : ITailMessage
{
    public string TailId => Target.TailId;
}

/// <summary>Asks the registry for the state of every running tail; answered with <see cref="TailStates"/>.</summary>
public sealed record GetTailStates
{
    public static readonly GetTailStates Instance = new();
}

/// <summary>One tail's state, for inspection.</summary>
public sealed record TailState(
    TailTarget Target, string Phase, long Lines, long Bytes, long LastTimestampNanos, int Reopens, string? LastError);

/// <summary>The states of the running tails.</summary>
public sealed record TailStates(IReadOnlyList<TailState> Tails);

/// <summary>Asks one tail for its state; answered with <see cref="TailState"/>.</summary>
public sealed record GetTailState(string TailId) : ITailMessage;

/// <summary>
/// Wakes a sharded tail at its shard's next home after a hand-off left its instance's log unread to the end: it
/// reads its pod and goes on as the pod then says. (An inspection's <see cref="GetTailState"/> never starts a tail.)
/// </summary>
public sealed record ResumeTail(string TailId) : ITailMessage;

/// <summary>
/// Tells a sharded tail that its shard is handed to another member: stop reading, wait until Loki has
/// acknowledged what was read, then stop (the shard region's hand-off stop message).
/// </summary>
public sealed record StopTailing
{
    public static readonly StopTailing Instance = new();
}
