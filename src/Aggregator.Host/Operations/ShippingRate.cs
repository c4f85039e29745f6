namespace Aggregator.Host.Operations;

/// <summary>Lines and bytes shipped per second over a sliding window, from totals sampled now and then.</summary>
public sealed class ShippingRate(TimeSpan window)
{
    private readonly Lock _gate = new();
    private readonly Queue<(DateTime At, long Lines, long Bytes)> _samples = new();

    /// <summary>Records the totals at <paramref name="at"/>, forgetting samples the window no longer needs.</summary>
    public void Sample(DateTime at, long lines, long bytes)
    {
        lock (_gate)
        {
            _samples.Enqueue((at, lines, bytes));

            // Keep the newest sample that is older than the window: the rate then covers the whole window.
            while (_samples.Count > 1 && _samples.ElementAt(1).At <= at - window)
            {
                _samples.Dequeue();
            }
        }
    }

    /// <summary>The rates between the oldest sample kept and these totals; zero without an earlier sample.</summary>
    public (double LinesPerSecond, double BytesPerSecond) Rate(DateTime now, long lines, long bytes)
    {
        lock (_gate)
        {
            if (_samples.Count == 0)
            {
                return (0, 0);
            }

            var oldest = _samples.Peek();
            var seconds = (now - oldest.At).TotalSeconds;
            return seconds < 0.5 ? (0, 0) : ((lines - oldest.Lines) / seconds, (bytes - oldest.Bytes) / seconds);
        }
    }
}
