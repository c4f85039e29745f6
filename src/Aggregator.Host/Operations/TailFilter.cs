using Aggregator.Actors.Tailing;

namespace Aggregator.Host.Operations;

/// <summary>
/// Which tails <c>ctl tails</c> shows: by namespace (exact), pod (exact, or a prefix ending in <c>*</c>) and
/// state (the start of the tail's phase, e.g. <c>follow</c> or <c>reopen</c>); an unset filter lets all through.
/// </summary>
public sealed record TailFilter(string? Namespace = null, string? Pod = null, string? State = null)
{
    /// <summary>Whether <paramref name="tail"/> passes every filter that is set.</summary>
    public bool Matches(TailReport tail) =>
        (string.IsNullOrEmpty(Namespace) || string.Equals(tail.Namespace, Namespace, StringComparison.Ordinal)) &&
        (string.IsNullOrEmpty(Pod) || (Pod.EndsWith('*')
            ? tail.Pod.StartsWith(Pod[..^1], StringComparison.Ordinal)
            : string.Equals(tail.Pod, Pod, StringComparison.Ordinal))) &&
        (string.IsNullOrEmpty(State) || tail.State.StartsWith(State, StringComparison.OrdinalIgnoreCase));

    /// <summary>The state reported for a sharded tail that did not answer in time.</summary>
    public const string NotAnswering = "not answering";

    /// <summary>
    /// A sharded tail that <paramref name="member"/> hosts but that did not answer in time: what its ID says, so that
    /// an operator sees it is there (during a rolling restart, many are) rather than a list that silently lacks it.
    /// </summary>
    public static TailReport Unanswered(string tailId, string member, TimeSpan waited)
    {
        var (ns, pod, container, instance) = TailIdentity.PartsOf(tailId) ?? (tailId, "", "", "");
        return NotAnsweringRow(
            member, $"did not answer within {waited.TotalSeconds:0} s: its shard is being handed off, or it is stopping", tailId, ns, pod, container, instance);
    }

    /// <summary>
    /// A member whose shard region did not say which tails it hosts: one row for all of them, so that the list does
    /// not look whole without them.
    /// </summary>
    public static TailReport UnansweredMember(string member, TimeSpan waited) =>
        NotAnsweringRow(member, $"its shard region did not answer within {waited.TotalSeconds:0} s: the tails it runs are not listed");

    /// <summary>
    /// The shards of <paramref name="member"/> that did not tell its region which tails they run (a shard being handed
    /// off does not answer): one row for them, so that the list does not look whole without their tails.
    /// </summary>
    public static TailReport UnansweredShards(string member, IEnumerable<string> shards) =>
        NotAnsweringRow(
            member,
            $"shards {string.Join(", ", shards.Order(StringComparer.Ordinal))} did not say which tails they run, as while they are handed off: those tails are not listed");

    // A row that says only where something did not answer and why: no labels, counts or times to report.
    private static TailReport NotAnsweringRow(
        string member, string why, string tailId = "", string ns = "", string pod = "", string container = "", string instance = "") =>
        new(tailId, ns, pod, container, instance, new Dictionary<string, string>(StringComparer.Ordinal), NotAnswering, 0, 0, null, null, 0, why, member);

    /// <summary>A tail's state as the admin endpoint reports it, at <paramref name="now"/>.</summary>
    public static TailReport Report(TailState state, DateTime now)
    {
        var target = state.Target;
        DateTime? last = state.LastTimestampNanos > 0 ? DateTime.UnixEpoch.AddTicks(state.LastTimestampNanos / 100) : null;
        return new TailReport(
            target.TailId,
            target.Stream.Namespace,
            target.Stream.Pod,
            target.Stream.Container,
            TailTarget.ShortId(target.ContainerId),
            target.Labels.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
            state.Phase,
            state.Lines,
            state.Bytes,
            last,
            last is { } at ? Math.Max(0, (now - at).TotalSeconds) : null,
            state.Reopens,
            state.LastError);
    }
}
