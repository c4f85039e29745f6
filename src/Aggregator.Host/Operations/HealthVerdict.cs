using Aggregator.Actors.Discovery;
using Akka.Cluster;

namespace Aggregator.Host.Operations;

/// <summary>The answer of /healthz or /readyz: whether all is well, and a one-line reason either way.</summary>
public sealed record HealthVerdict(bool Ok, string Reason)
{
    /// <summary>
    /// Alive: the actor system runs, the pipeline has neither failed nor ended, and entries that wait for Loki
    /// are not stuck — some push attempt finished within <paramref name="stuckAfter"/> (counted from when they began to wait). A pusher that keeps
    /// retrying against a Loki that is down is alive: restarting the aggregator would not bring Loki back.
    /// </summary>
    public static HealthVerdict Liveness(
        bool systemRunning, Task? pipelineCompletion, long entriesInFlight, DateTime waitingSince, DateTime lastAttempt, DateTime now, TimeSpan stuckAfter)
    {
        if (!systemRunning)
        {
            return new(false, "the actor system is not running");
        }

        if (pipelineCompletion is null)
        {
            return new(false, "the pipeline has not started");
        }

        if (pipelineCompletion.IsFaulted)
        {
            return new(false, $"the pipeline failed: {pipelineCompletion.Exception?.GetBaseException().Message.ReplaceLineEndings(" ")}");
        }

        if (pipelineCompletion.IsCompleted)
        {
            return new(false, "the pipeline has stopped");
        }

        // Measured from when entries began to wait, so that a push long ago does not condemn a line read just now.
        var quiet = now - (waitingSince > lastAttempt ? waitingSince : lastAttempt);
        if (entriesInFlight > 0 && quiet > stuckAfter)
        {
            return new(false, $"{entriesInFlight} entries wait for Loki and no push attempt finished for {quiet.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} s");
        }

        return new(true, "ok");
    }

    /// <summary>Ready once every watcher's watch is established; null stands for a watcher that did not answer.</summary>
    public static HealthVerdict Readiness(IReadOnlyList<WatchStatus?> watchers, int expected)
    {
        if (expected == 0 || watchers.Count < expected)
        {
            return new(false, "the pod watchers have not started");
        }

        var unanswered = watchers.Count(w => w is null);
        if (unanswered > 0)
        {
            return new(false, $"{unanswered} pod watcher(s) did not answer");
        }

        var waiting = watchers.Where(w => !w!.Established).Select(w => Scope(w!.Namespace)).ToList();
        return waiting.Count > 0
            ? new(false, $"the pod watch of {string.Join(", ", waiting)} is not established")
            : new(true, $"watching {string.Join(", ", watchers.Select(w => $"{Scope(w!.Namespace)} ({w.Pods} pods)"))}");
    }

    /// <summary>
    /// In cluster mode, this member's own standing: ready only when Up. Its watchers start with the actor system, but
    /// it runs no tail until it is a member, and a rolling update or the disruption budget must not count on it before.
    /// WeaklyUp is not ready either: the leader gives it while some member is unreachable, the split-brain resolver
    /// does not count such a member in a majority, and that is no moment to take down the next old member.
    /// </summary>
    /// <param name="self">This member's status in the membership it has seen; null when none lists it (it has not joined).</param>
    /// <param name="notJoined">Why it has not joined, in words: which seeds did not let it in, or that bootstrap found no cluster.</param>
    public static HealthVerdict Membership(MemberStatus? self, string notJoined) => self switch
    {
        null => new(false, $"not a cluster member yet ({notJoined})"),
        MemberStatus.Up => new(true, "a cluster member (Up)"),
        MemberStatus.Joining => new(false, "not a cluster member yet (Joining: the leader has not moved it Up)"),
        MemberStatus.WeaklyUp => new(false, "not a full cluster member yet (WeaklyUp: the leader cannot move it Up while a member is unreachable)"),
        MemberStatus.Down => new(false, "downed by the cluster (Down)"),
        MemberStatus.Removed => new(false, "removed from the cluster (Removed)"),
        // Leaving, Exiting, and the statuses of a cluster-wide shutdown.
        { } leaving => new(false, $"leaving the cluster ({leaving})"),
    };

    /// <summary>Ok when both are; the reason of the one that is not, both reasons when neither or both are ok.</summary>
    public HealthVerdict And(HealthVerdict other) => (Ok, other.Ok) switch
    {
        (true, false) => other,
        (false, true) => this,
        _ => new(Ok, $"{Reason}; {other.Reason}"),
    };

    private static string Scope(string? ns) => ns is null ? "all namespaces" : $"namespace {ns}";
}
