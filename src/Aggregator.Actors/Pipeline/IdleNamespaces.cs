namespace Aggregator.Actors.Pipeline;

/// <summary>
/// Decides when a namespace's per-namespace series may go: once it has had no tail and nothing read and unsettled
/// for <see cref="Grace"/>, as kube-state-metrics and Alloy drop the series of objects that are gone.
/// </summary>
/// <remarks>
/// With <c>NAMESPACE='*'</c>, every short-lived namespace (CI, previews) would otherwise leave its series behind for
/// the life of the process, and the scrape and the memory grow without bound. A namespace counts as live while a tail
/// of it runs or waits to start again after a crash, and while entries it read are between reading and Loki's
/// answer: dropping its series then would lose counts that are still to move. The grace keeps a namespace whose pods
/// are only being replaced (a rollout, a job's next run) from flapping. Not thread-safe: the caller serialises.
/// </remarks>
public sealed class IdleNamespaces(TimeSpan grace, TimeProvider clock)
{
    private readonly Dictionary<string, Activity> _namespaces = new(StringComparer.Ordinal);

    /// <summary>How long a namespace stays idle before its series go.</summary>
    public TimeSpan Grace { get; } = grace > TimeSpan.Zero ? grace : throw new ArgumentOutOfRangeException(nameof(grace), grace, "expected more than 0");

    /// <summary>Namespaces known here, idle or not (for tests and diagnostics).</summary>
    public int Count => _namespaces.Count;

    /// <summary>A tail of <paramref name="ns"/> began (and holds it live until <see cref="TailEnded"/>).</summary>
    public void TailBegan(string ns) => Of(ns).Tails++;

    /// <summary>A tail of <paramref name="ns"/> is gone for good: its instance's log is read, or the aggregator stops.</summary>
    public void TailEnded(string ns)
    {
        if (_namespaces.TryGetValue(ns, out var activity) && activity.Tails > 0)
        {
            activity.Tails--;
            IdleNow(activity);
        }
    }

    /// <summary><paramref name="entries"/> of <paramref name="ns"/> were read and wait for Loki's answer.</summary>
    public void Read(string ns, long entries)
    {
        var activity = Of(ns);
        activity.InFlight += entries;
        IdleNow(activity);
    }

    /// <summary>Loki settled <paramref name="entries"/> of <paramref name="ns"/>: stored them or refused them for good.</summary>
    public void Settled(string ns, long entries)
    {
        if (_namespaces.TryGetValue(ns, out var activity) && activity.InFlight > 0)
        {
            // Never below 0: a count settled twice must not leave later reads looking settled.
            activity.InFlight = Math.Max(0, activity.InFlight - entries);
            IdleNow(activity);
        }
    }

    /// <summary>The namespaces idle for at least <see cref="Grace"/>, which are forgotten here: a later tail or read starts them afresh.</summary>
    public List<string> TakeExpired()
    {
        var now = clock.GetUtcNow();
        var expired = new List<string>();
        foreach (var (ns, activity) in _namespaces)
        {
            if (activity.IdleSince is { } since && now - since >= Grace)
            {
                expired.Add(ns);
            }
        }

        foreach (var ns in expired)
        {
            _namespaces.Remove(ns);
        }

        return expired;
    }

    private Activity Of(string ns)
    {
        if (!_namespaces.TryGetValue(ns, out var activity))
        {
            _namespaces[ns] = activity = new Activity();
        }

        activity.IdleSince = null;
        return activity;
    }

    private void IdleNow(Activity activity)
    {
        if (activity is { Tails: 0, InFlight: 0, IdleSince: null })
        {
            activity.IdleSince = clock.GetUtcNow();
        }
    }

    private sealed class Activity
    {
        public int Tails { get; set; }

        public long InFlight { get; set; }

        public DateTimeOffset? IdleSince { get; set; }
    }
}
