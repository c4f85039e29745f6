using System.Globalization;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// The double's etcd and watch cache: pods, one global resourceVersion, the event history and the open watches.
/// Every change happens under one lock so that resourceVersions, history and watch queues agree.
/// </summary>
internal sealed partial class ClusterState(KubernetesDoubleOptions options)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Namespace, string Name), SimulatedPod> pods = [];
    private readonly List<PodEvent> history = [];
    private readonly List<WatchSubscription> watches = [];
    private long resourceVersion = 1000;
    private long oldestWatchableVersion;

    public long CurrentResourceVersion
    {
        get
        {
            lock (gate)
            {
                return resourceVersion;
            }
        }
    }

    /// <summary>The pods a list returns, with the resourceVersion to watch from.</summary>
    public (IReadOnlyList<PodSnapshot> Items, long ResourceVersion) List(PodFilter filter)
    {
        lock (gate)
        {
            var items = pods.Values
                .Select(p => p.Published!)
                .Where(s => filter.Matches(s.Pod))
                .OrderBy(s => s.Pod.Metadata.NamespaceProperty, StringComparer.Ordinal)
                .ThenBy(s => s.Pod.Metadata.Name, StringComparer.Ordinal)
                .ToList();
            return (items, resourceVersion);
        }
    }

    public PodSnapshot? Get(string ns, string name)
    {
        lock (gate)
        {
            return pods.TryGetValue((ns, name), out var pod) ? pod.Published : null;
        }
    }

    /// <summary>
    /// Opens a watch. Without a resourceVersion (or "0") it starts with a synthetic ADDED per existing pod;
    /// with one, it replays the history after it, or answers 410 when that part of the history is gone.
    /// </summary>
    public WatchSubscription? Subscribe(PodFilter filter, string? fromVersion, out ApiStatus? failure)
    {
        failure = null;
        lock (gate)
        {
            var subscription = new WatchSubscription(filter);
            if (string.IsNullOrEmpty(fromVersion) || fromVersion == "0")
            {
                foreach (var pod in pods.Values.OrderBy(p => p.Published!.ResourceVersion))
                {
                    subscription.OfferExisting(pod.Published!);
                }
            }
            else if (!long.TryParse(fromVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                failure = ApiStatus.BadRequest($"invalid resource version: \"{fromVersion}\"");
                return null;
            }
            else if (from < oldestWatchableVersion)
            {
                failure = ApiStatus.Expired($"too old resource version: {from} ({oldestWatchableVersion})");
                return null;
            }
            else
            {
                foreach (var change in history.Where(e => e.ResourceVersion > from))
                {
                    subscription.Offer(change);
                }
            }

            watches.Add(subscription);
            return subscription;
        }
    }

    public void Unsubscribe(WatchSubscription subscription)
    {
        lock (gate)
        {
            watches.Remove(subscription);
        }

        subscription.End();
    }

    /// <summary>
    /// The resourceVersion a bookmark may carry now, or null while the watch still has queued events:
    /// a bookmark must never claim a version whose events this watch has not yet sent.
    /// </summary>
    public long? BookmarkVersion(WatchSubscription subscription)
    {
        lock (gate)
        {
            return subscription.HasPending ? null : resourceVersion;
        }
    }

    public void EndAllWatches()
    {
        lock (gate)
        {
            foreach (var watch in watches)
            {
                watch.End();
            }

            watches.Clear();
        }
    }

    /// <summary>
    /// Forgets the history, as compaction does. The version also moves on (other kinds of objects change
    /// in a real cluster), so every resourceVersion handed out before this call is now too old.
    /// </summary>
    public void ExpireHistory()
    {
        lock (gate)
        {
            resourceVersion++;
            oldestWatchableVersion = resourceVersion;
            history.Clear();
        }
    }

    /// <summary>Renders the pod at a new resourceVersion and tells history and every watch. Caller holds the lock.</summary>
    private void Publish(SimulatedPod pod, string type)
    {
        var previous = pod.Published;
        var snapshot = new PodSnapshot(PodRenderer.Render(pod, ++resourceVersion), resourceVersion);
        pod.Published = snapshot;
        var change = new PodEvent(type, snapshot, previous);
        history.Add(change);
        foreach (var watch in watches)
        {
            watch.Offer(change);
        }
    }

    private SimulatedPod PodOrThrow(string ns, string name) =>
        pods.TryGetValue((ns, name), out var pod)
            ? pod
            : throw new InvalidOperationException($"Pod {ns}/{name} does not exist.");

    private static ContainerSlot SlotOrThrow(SimulatedPod pod, string container) =>
        pod.Find(container) ?? throw new InvalidOperationException($"Pod {pod.Namespace}/{pod.Name} has no container \"{container}\".");
}
