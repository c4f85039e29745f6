using Aggregator.Actors.Loki;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// How far behind Loki the logs are: the oldest entry read and not yet settled by Loki, and how long ago a settled
/// push's oldest entry was written.
/// </summary>
/// <remarks>
/// Kept per chunk (one read of one stream), never per line: a chunk enters with its oldest timestamp, computed where
/// its weight is, and leaves when the pipeline takes Loki's answer for its batch. The pending chunks are a multiset of
/// those timestamps (a dictionary of counts, which reuses its slots, so a chunk costs no allocation once it has grown),
/// and the oldest is found again only when a scrape asks after the oldest one left. Ages are against the wall clock,
/// as the kubelet's timestamps are; a kubelet whose clock is ahead gives negative ages, shown as 0.
/// </remarks>
public sealed class DeliveryLag(TimeProvider clock)
{
    // After a backlog has passed, a dictionary grown to hold one is given back rather than kept for good.
    private const int KeptCapacity = 4096;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, int> _pending = [];
    private long _oldest = long.MaxValue;
    private bool _oldestStale;
    private int _chunks;

    /// <summary>Bookkeeping against the system clock.</summary>
    public DeliveryLag()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Chunks read and not yet settled (for tests and reports).</summary>
    public int PendingChunks
    {
        get
        {
            lock (_gate)
            {
                return _chunks;
            }
        }
    }

    /// <summary>The chunk is in the pipeline from now on, until <see cref="Left"/>.</summary>
    public void Entered(LogChunk chunk)
    {
        if (chunk.Count == 0)
        {
            return;
        }

        var oldest = chunk.OldestTimestampNanos;
        lock (_gate)
        {
            _pending[oldest] = _pending.GetValueOrDefault(oldest) + 1;
            _chunks++;
            if (oldest < _oldest)
            {
                _oldest = oldest;
            }
        }
    }

    /// <summary>Loki has settled the chunk (stored it, or refused it for good), or it never reached the pipeline.</summary>
    public void Left(LogChunk chunk)
    {
        lock (_gate)
        {
            Forget(chunk);
        }
    }

    /// <summary>Loki has settled a batch of these chunks: one lock for them all, since a batch of quiet streams holds hundreds.</summary>
    public void Left(IReadOnlyList<LogChunk> chunks)
    {
        lock (_gate)
        {
            // By index: the list's enumerator through its interface would be an allocation per batch.
            for (var i = 0; i < chunks.Count; i++)
            {
                Forget(chunks[i]);
            }
        }
    }

    // The caller holds _gate.
    private void Forget(LogChunk chunk)
    {
        if (chunk.Count == 0)
        {
            return;
        }

        var oldest = chunk.OldestTimestampNanos;
        if (!_pending.TryGetValue(oldest, out var count))
        {
            // Never entered: a pipeline fed other than by the tails (tests) has nothing to forget.
            return;
        }

        _chunks--;
        if (count > 1)
        {
            _pending[oldest] = count - 1;
            return;
        }

        _pending.Remove(oldest);
        if (_pending.Count == 0)
        {
            _oldest = long.MaxValue;
            _oldestStale = false;
            if (_pending.EnsureCapacity(0) > KeptCapacity)
            {
                _pending.TrimExcess();
            }
        }
        else if (oldest == _oldest)
        {
            // Found again at the next scrape rather than now: chunks leave far more often than scrapes come.
            _oldestStale = true;
        }
    }

    /// <summary>Seconds since the oldest entry still waiting for Loki was written; 0 when none waits.</summary>
    public double OldestPendingAgeSeconds()
    {
        long oldest;
        lock (_gate)
        {
            if (_oldestStale)
            {
                _oldest = long.MaxValue;
                foreach (var timestamp in _pending.Keys)
                {
                    _oldest = Math.Min(_oldest, timestamp);
                }

                _oldestStale = false;
            }

            oldest = _oldest;
        }

        return oldest == long.MaxValue ? 0 : AgeSeconds(oldest);
    }

    /// <summary>Seconds from the oldest entry of <paramref name="batch"/> to now, when Loki has answered it; 0 for an empty batch.</summary>
    public double OldestEntryLatencySeconds(PushBatch batch)
    {
        var oldest = long.MaxValue;
        var chunks = batch.Chunks;
        // By index: the list's enumerator through its interface would be an allocation per push.
        for (var i = 0; i < chunks.Count; i++)
        {
            oldest = Math.Min(oldest, chunks[i].OldestTimestampNanos);
        }

        return oldest == long.MaxValue ? 0 : AgeSeconds(oldest);
    }

    private double AgeSeconds(long timestampNanos)
    {
        var nowNanos = (clock.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
        return Math.Max(0, nowNanos - timestampNanos) / 1e9;
    }
}
