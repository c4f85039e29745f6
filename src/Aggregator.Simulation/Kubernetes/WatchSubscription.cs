using System.Threading.Channels;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// One open watch: the events that match its filter, queued in resourceVersion order for its response loop.
/// Offered to under the cluster lock, so the queue order is the history order.
/// </summary>
internal sealed class WatchSubscription(PodFilter filter)
{
    // Not SingleReader: the single-reader channel cannot count its queue, which bookmarks need.
    private readonly Channel<byte[]> queue = Channel.CreateUnbounded<byte[]>();

    public ChannelReader<byte[]> Reader => queue.Reader;

    public bool HasPending => queue.Reader.Count > 0;

    public void OfferExisting(PodSnapshot snapshot)
    {
        if (filter.Matches(snapshot.Pod))
        {
            queue.Writer.TryWrite(snapshot.WatchLine("ADDED"));
        }
    }

    /// <summary>
    /// Delivers a change as the API server does for a filtered watch: an object that starts matching
    /// arrives as ADDED, one that stops matching as DELETED.
    /// </summary>
    public void Offer(PodEvent change)
    {
        var matchesNow = filter.Matches(change.Current.Pod);
        var matchedBefore = change.Previous is not null && filter.Matches(change.Previous.Pod);
        var line = change.Type switch
        {
            "MODIFIED" when matchedBefore && matchesNow => change.Line,
            "MODIFIED" when matchesNow => change.Current.WatchLine("ADDED"),
            "MODIFIED" when matchedBefore => change.Current.WatchLine("DELETED"),
            "MODIFIED" => null,
            _ when matchesNow => change.Line,
            _ => null,
        };
        if (line is not null)
        {
            queue.Writer.TryWrite(line);
        }
    }

    public void End() => queue.Writer.TryComplete();
}
