using System.Collections.Concurrent;
using Aggregator.Actors.Loki;
using Prometheus;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// Running totals of what was read, shipped, refused and retried, and the aggregator's Prometheus series; every
/// part of the product records its events here, where they happen, and status reports and /metrics read them.
/// </summary>
/// <remarks>
/// Each instance has its own <see cref="CollectorRegistry"/>, so several aggregators in one process (the tests)
/// never share a series. "Bytes" are the UTF-8 bytes of the line text, without timestamp or labels.
/// </remarks>
public sealed class ShippingCounters
{
    private long _entriesShipped;
    private long _bytesShipped;
    private long _bytesRead;
    private long _entriesRejected;
    private long _pushRetries;
    private long _pushes;
    private long _entriesRead;
    private long _linesTruncated;
    private long _linesDropped;
    private long _lastSettledTicks;
    private long _lastAttemptTicks;
    private long _busySinceTicks;
    private int _lokiUp = -1;
    private int _activeTails;
    private readonly ConcurrentDictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NamespaceSeries> _namespaces = new(StringComparer.Ordinal);
    private readonly Series _series;
    // Set once before anything is read; null keeps every namespace's series for the process's life (named namespaces).
    private IdleNamespaces? _idle;
    // Serialises the idle namespaces' decisions with the creation and removal of their series, so that a namespace
    // that becomes live again as its series go gets new ones rather than counting into removed ones.
    private readonly Lock _idleGate = new();

    /// <summary>
    /// Counters that register their series in <paramref name="registry"/>, or in a registry of their own, and measure
    /// the delivery lag by <paramref name="clock"/> (the system's by default).
    /// </summary>
    public ShippingCounters(CollectorRegistry? registry = null, TimeProvider? clock = null)
    {
        Registry = registry ?? Metrics.NewCustomRegistry();
        _series = new Series(Metrics.WithCustomRegistry(Registry));
        _lastSettledTicks = _lastAttemptTicks = DateTime.UtcNow.Ticks;
        Lag = new DeliveryLag(clock ?? TimeProvider.System);
        // At the scrape, not as chunks come and go: the age grows by itself while nothing happens, as in an outage.
        Registry.AddBeforeCollectCallback(() => _series.OldestUnshippedAge.Set(Lag.OldestPendingAgeSeconds()));
    }

    /// <summary>The entries read and not yet settled by Loki, by their kubelet timestamps; the pipeline tells it what Loki settled.</summary>
    public DeliveryLag Lag { get; }

    /// <summary>Where the Prometheus series live; /metrics exports it.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Entries handed to the pipeline by the tails.</summary>
    public long EntriesRead => Interlocked.Read(ref _entriesRead);

    /// <summary>UTF-8 bytes of the lines handed to the pipeline.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Entries read and not yet settled by Loki (shipped or refused).</summary>
    public long EntriesInFlight => EntriesRead - EntriesShipped - EntriesRejected;

    /// <summary>Lines cut to the maximum line size.</summary>
    public long LinesTruncated => Interlocked.Read(ref _linesTruncated);

    /// <summary>Lines left out for being longer than the maximum line size.</summary>
    public long LinesDropped => Interlocked.Read(ref _linesDropped);

    /// <summary>Entries Loki refused, by reason (too_old, too_far_behind, line_too_long, …).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejectedByReason;

    /// <summary>Entries Loki stored.</summary>
    public long EntriesShipped => Interlocked.Read(ref _entriesShipped);

    /// <summary>UTF-8 bytes of the lines Loki stored.</summary>
    public long BytesShipped => Interlocked.Read(ref _bytesShipped);

    /// <summary>Entries Loki refused for good.</summary>
    public long EntriesRejected => Interlocked.Read(ref _entriesRejected);

    /// <summary>Push attempts that failed and were tried again.</summary>
    public long PushRetries => Interlocked.Read(ref _pushRetries);

    /// <summary>Push requests settled (delivered or refused).</summary>
    public long Pushes => Interlocked.Read(ref _pushes);

    /// <summary>Tails running now.</summary>
    public int ActiveTails => Volatile.Read(ref _activeTails);

    /// <summary>Text of the last failed push, or null when the last push worked.</summary>
    public string? LastPushError { get; private set; }

    /// <summary>Whether Loki took the last push attempt as a push (<see cref="ShipOutcome.TakenByLoki"/>); null before the first attempt.</summary>
    public bool? LokiReachable => Volatile.Read(ref _lokiUp) switch { -1 => null, var up => up == 1 };

    /// <summary>When a push was last settled (or the counters were created), UTC.</summary>
    public DateTime LastSettled => new(Interlocked.Read(ref _lastSettledTicks), DateTimeKind.Utc);

    /// <summary>When a push attempt last finished (or the counters were created), UTC.</summary>
    public DateTime LastAttempt => new(Interlocked.Read(ref _lastAttemptTicks), DateTimeKind.Utc);

    /// <summary>Since when entries have been waiting for Loki without a pause (meaningful while <see cref="EntriesInFlight"/> is above 0), UTC.</summary>
    public DateTime WaitingSince => new(Interlocked.Read(ref _busySinceTicks), DateTimeKind.Utc);

    /// <summary>Makes the per-namespace series of <paramref name="ns"/> visible at 0 before its first line.</summary>
    public void KnowNamespace(string ns) => Namespace(ns);

    /// <summary>
    /// From now on, a namespace that has had no tail and nothing waiting for Loki for <paramref name="grace"/> loses
    /// its per-namespace series (<see cref="ExpireIdleNamespaces"/>, also at each scrape); one that comes back starts
    /// them again from 0. For <c>NAMESPACE='*'</c>, where namespaces come and go; call before anything is read.
    /// </summary>
    public void ExpireIdleNamespacesAfter(TimeSpan grace, TimeProvider? clock = null)
    {
        _idle = new IdleNamespaces(grace, clock ?? TimeProvider.System);
        // At each scrape too, so that a series past its grace is never exported, whenever the periodic sweep runs.
        Registry.AddBeforeCollectCallback(() => ExpireIdleNamespaces());
    }

    /// <summary>Removes the series of the namespaces idle for the grace, and says which; none unless <see cref="ExpireIdleNamespacesAfter"/> was called.</summary>
    public IReadOnlyList<string> ExpireIdleNamespaces()
    {
        if (_idle is not { } idle)
        {
            return [];
        }

        lock (_idleGate)
        {
            var expired = idle.TakeExpired();
            foreach (var ns in expired)
            {
                if (_namespaces.TryRemove(ns, out var series))
                {
                    series.Remove();
                }
            }

            return expired;
        }
    }

    /// <summary>Sets the buffer gauges: the memory budget's use and its capacity.</summary>
    public void Buffered(long used, long capacity)
    {
        _series.BufferedBytes.Set(used);
        _series.BufferCapacityBytes.Set(capacity);
    }

    internal void Delivered(PushBatch batch)
    {
        Interlocked.Increment(ref _pushes);
        _series.PushesDelivered.Inc();
        _series.DeliveryLatency.Observe(Lag.OldestEntryLatencySeconds(batch));
        Shipped(batch, batch.Count);
        SettledPerNamespace(batch);
        LastPushError = null;
        Settled();
    }

    internal void Rejected(PushBatch batch, IReadOnlyDictionary<string, int> byReason, int stored, string message)
    {
        Interlocked.Increment(ref _pushes);
        _series.PushesRejected.Inc();
        foreach (var (reason, count) in byReason)
        {
            _rejectedByReason.AddOrUpdate(reason, count, (_, total) => total + count);
            _series.EntriesRejected.WithLabels(reason).Inc(count);
            // Last, as Shipped does: whoever saw the count move and then scrapes finds the series moved too.
            Interlocked.Add(ref _entriesRejected, count);
        }

        // A partial 400: Loki stored the entries it did not name, and which those were is not known, so the push's
        // oldest entry stands for them. A push refused whole delivered nothing and has no delivery latency.
        if (stored > 0)
        {
            _series.DeliveryLatency.Observe(Lag.OldestEntryLatencySeconds(batch));
        }

        Shipped(batch, stored);
        SettledPerNamespace(batch);
        LastPushError = message;
        Settled();
    }

    internal void Read(LogChunk chunk)
    {
        if (EntriesInFlight <= 0)
        {
            Interlocked.Exchange(ref _busySinceTicks, DateTime.UtcNow.Ticks);
        }

        Lag.Entered(chunk);
        Interlocked.Add(ref _entriesRead, chunk.Count);
        Interlocked.Add(ref _bytesRead, chunk.Utf8Bytes);
        var series = LiveNamespace(chunk.Stream.Key.Namespace, chunk.Count);
        series.LinesRead.Inc(chunk.Count);
        series.BytesRead.Inc(chunk.Utf8Bytes);
    }

    /// <summary>A chunk counted as read did not go into the pipeline after all (it was closing): it waits for no answer.</summary>
    internal void NotHandedOn(LogChunk chunk)
    {
        Lag.Left(chunk);
        Decide(chunk, static (idle, chunk) => idle.Settled(chunk.Stream.Key.Namespace, chunk.Count));
    }

    internal void Overlong(bool dropped)
    {
        Interlocked.Increment(ref dropped ? ref _linesDropped : ref _linesTruncated);
        (dropped ? _series.LinesDropped : _series.LinesTruncated).Inc();
    }

    internal void Retrying(ShipOutcome outcome)
    {
        _series.PushRetries.WithLabels(RetryCause(outcome.StatusCode)).Inc();
        Interlocked.Increment(ref _pushRetries);
        LastPushError = outcome.Message;
    }

    /// <summary>
    /// Why a push is tried again, in a few words an alert can tell apart: Loki throttling (429) calls for a higher
    /// limit, a server error for Loki's health, a client error (401, 403, 404) for the aggregator's settings, and no
    /// answer for the network or Loki's address.
    /// </summary>
    public static string RetryCause(int statusCode) => statusCode switch
    {
        0 => "no_answer",
        429 => "throttled",
        >= 500 => "server_error",
        _ => "client_error",
    };

    private static readonly string[] RetryCauses = ["no_answer", "throttled", "server_error", "client_error"];

    /// <summary>One push attempt finished after <paramref name="duration"/>.</summary>
    internal void Attempted(TimeSpan duration, ShipOutcome outcome)
    {
        _series.PushDuration.Observe(duration.TotalSeconds);
        var up = outcome.TakenByLoki;
        Volatile.Write(ref _lokiUp, up ? 1 : 0);
        _series.LokiUp.Set(up ? 1 : 0);
        Interlocked.Exchange(ref _lastAttemptTicks, DateTime.UtcNow.Ticks);
    }

    internal void BatchFormed(int entries) => _series.BatchEntries.Observe(entries);

    // Sharded tails start and stop on many threads at once: each change is applied atomically rather than a count
    // written back, as a count computed on one thread and written after another's would be stale until the next change.
    internal void TailStarted()
    {
        Interlocked.Increment(ref _activeTails);
        _series.ActiveTails.Inc();
    }

    internal void TailsStopped(int count = 1)
    {
        Interlocked.Add(ref _activeTails, -count);
        _series.ActiveTails.Dec(count);
    }

    /// <summary>
    /// A tail of <paramref name="ns"/> began: the namespace's series stay while it runs or waits to start again after
    /// a crash, until <see cref="TailOfNamespaceEnded"/>. Apart from <see cref="TailStarted"/>, which counts running tails only.
    /// </summary>
    internal void TailOfNamespaceBegan(string ns) => Decide(ns, static (idle, ns) => idle.TailBegan(ns));

    /// <summary>A tail of <paramref name="ns"/> is gone for good (finished, handed off, or stopped with the aggregator).</summary>
    internal void TailOfNamespaceEnded(string ns) => Decide(ns, static (idle, ns) => idle.TailEnded(ns));

    internal void TailReopened() => _series.TailRestarts.Inc();

    /// <summary>Log streams reopened after a failure, an early end or a stall (for tests).</summary>
    internal double TailRestarts => _series.TailRestarts.Value;

    internal void WatchRestarted() => _series.WatchRestarts.Inc();

    private void Settled() => Interlocked.Exchange(ref _lastSettledTicks, DateTime.UtcNow.Ticks);

    private void Shipped(PushBatch batch, int stored)
    {
        if (stored <= 0)
        {
            return;
        }

        // Per namespace; a partial 400 does not say which entries were stored, so its stored share is spread evenly.
        var share = (double)stored / batch.Count;
        long totalBytes = 0;
        string? current = null;
        long lines = 0;
        long bytes = 0;
        foreach (var chunk in batch.Chunks)
        {
            var ns = chunk.Stream.Key.Namespace;
            if (!ReferenceEquals(ns, current) && !string.Equals(ns, current, StringComparison.Ordinal))
            {
                Flush(current, lines, bytes, share, ref totalBytes);
                current = ns;
                lines = bytes = 0;
            }

            lines += chunk.Count;
            bytes += chunk.Utf8Bytes;
        }

        Flush(current, lines, bytes, share, ref totalBytes);
        Interlocked.Add(ref _entriesShipped, stored);
        Interlocked.Add(ref _bytesShipped, totalBytes);
    }

    private void Flush(string? ns, long lines, long bytes, double share, ref long totalBytes)
    {
        if (ns is null || lines == 0)
        {
            return;
        }

        var storedBytes = share >= 1 ? bytes : (long)Math.Round(bytes * share);
        totalBytes += storedBytes;
        var series = Namespace(ns);
        series.LinesShipped.Inc(share >= 1 ? lines : Math.Round(lines * share));
        series.BytesShipped.Inc(storedBytes);
    }

    // The entries count as waiting for Loki before their series can be removed, so the increments that follow land in
    // series that stay until the entries are settled.
    private NamespaceSeries LiveNamespace(string ns, int entries)
    {
        if (_idle is not { } idle)
        {
            return Namespace(ns);
        }

        lock (_idleGate)
        {
            idle.Read(ns, entries);
            return Namespace(ns);
        }
    }

    // After the shipped counts moved: only then may the namespace's series go.
    private void SettledPerNamespace(PushBatch batch) => Decide(batch.Chunks, static (idle, chunks) =>
    {
        // By index: the list's enumerator through its interface would be an allocation per push.
        for (var i = 0; i < chunks.Count; i++)
        {
            idle.Settled(chunks[i].Stream.Key.Namespace, chunks[i].Count);
        }
    });

    // Every decision about idle namespaces, under the lock that also guards their series; nothing without expiry. The
    // static delegates and their state keep this free of allocations on the per-chunk path.
    private void Decide<TState>(TState state, Action<IdleNamespaces, TState> decision)
    {
        if (_idle is { } idle)
        {
            lock (_idleGate)
            {
                decision(idle, state);
            }
        }
    }

    private NamespaceSeries Namespace(string ns) => _namespaces.GetOrAdd(ns, static (name, series) => new NamespaceSeries(series, name), _series);

    private sealed class NamespaceSeries(Series series, string ns)
    {
        public Counter.Child LinesRead { get; } = series.LinesRead.WithLabels(ns);

        public Counter.Child BytesRead { get; } = series.BytesRead.WithLabels(ns);

        public Counter.Child LinesShipped { get; } = series.LinesShipped.WithLabels(ns);

        public Counter.Child BytesShipped { get; } = series.BytesShipped.WithLabels(ns);

        public void Remove()
        {
            LinesRead.Remove();
            BytesRead.Remove();
            LinesShipped.Remove();
            BytesShipped.Remove();
        }
    }

    /// <summary>The series, with the names the Grafana dashboard queries.</summary>
    private sealed class Series
    {
        public Series(IMetricFactory metrics)
        {
            LinesRead = metrics.CreateCounter("aggregator_lines_read_total", "Lines read from container logs and handed to the pipeline.", ["namespace"]);
            BytesRead = metrics.CreateCounter("aggregator_bytes_read_total", "UTF-8 bytes of the lines read.", ["namespace"]);
            LinesShipped = metrics.CreateCounter("aggregator_lines_shipped_total", "Lines Loki stored.", ["namespace"]);
            BytesShipped = metrics.CreateCounter("aggregator_bytes_shipped_total", "UTF-8 bytes of the lines Loki stored.", ["namespace"]);
            EntriesRejected = metrics.CreateCounter("aggregator_entries_rejected_total", "Entries Loki refused for good (HTTP 400), by reason.", ["reason"]);
            LinesTruncated = metrics.CreateCounter("aggregator_lines_truncated_total", "Lines cut to the maximum line size.");
            LinesDropped = metrics.CreateCounter("aggregator_lines_dropped_total", "Lines left out for being longer than the maximum line size.");
            PushRetries = metrics.CreateCounter(
                "aggregator_push_retries_total",
                "Push attempts that failed and were tried again, by cause: throttled (429), server_error (5xx), client_error (401, 403, 404…), no_answer.",
                ["cause"]);
            var pushes = metrics.CreateCounter("aggregator_pushes_total", "Push requests settled, by result.", ["result"]);
            PushesDelivered = pushes.WithLabels("delivered");
            PushesRejected = pushes.WithLabels("rejected");
            PushDuration = metrics.CreateHistogram("aggregator_push_duration_seconds", "Duration of one push attempt.", new HistogramConfiguration
            {
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
            });
            // One observation per push, of its oldest entry, rather than one per entry: the per-line path stays as it was,
            // and the value bounds every entry of the push from above, so a quantile of it never reads better than the
            // lines fared. The entries of a push differ by at most about BATCH_TIMEOUT (1 s by default), hence the
            // buckets' resolution around it; past that, the minutes an outage or a backlog takes.
            DeliveryLatency = metrics.CreateHistogram(
                "aggregator_delivery_latency_seconds",
                "Per push Loki stored, seconds from its oldest entry's kubelet timestamp to Loki's answer.",
                new HistogramConfiguration { Buckets = [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300] });
            OldestUnshippedAge = metrics.CreateGauge(
                "aggregator_oldest_unshipped_age_seconds",
                "Seconds since the oldest entry read and not yet settled by Loki was written (kubelet timestamp); 0 when none waits.");
            BatchEntries = metrics.CreateHistogram("aggregator_batch_entries", "Entries in each batch the pipeline hands to the pusher.", new HistogramConfiguration
            {
                Buckets = Histogram.ExponentialBuckets(1, 2, 15),
            });
            BufferedBytes = metrics.CreateGauge("aggregator_buffered_bytes", "Log data held between reading and Loki's answer (memory estimate).");
            BufferCapacityBytes = metrics.CreateGauge("aggregator_buffer_capacity_bytes", "The memory budget of log data held; when it is full, reading waits.");
            ActiveTails = metrics.CreateGauge("aggregator_active_tails", "Container instances being tailed.");
            TailRestarts = metrics.CreateCounter("aggregator_tail_restarts_total", "Log streams reopened after a failure, an early end or a stall.");
            WatchRestarts = metrics.CreateCounter("aggregator_watch_restarts_total", "Pod watches opened again after they ended (renewals, failures, relists after 410).");
            LokiUp = metrics.CreateGauge(
                "aggregator_loki_up",
                "1 when Loki took the last push attempt as a push (2xx; 400, 413 or 422 refusing entries; 429 throttling), 0 when it did not (401, 403, 404, 5xx, no answer), NaN before the first push.");
            // Unknown until a push says otherwise: a quiet namespace may push nothing for long, and 0 would read as Loki down.
            LokiUp.Set(double.NaN);
            foreach (var reason in RejectionReasons.Known)
            {
                EntriesRejected.WithLabels(reason);
            }

            foreach (var cause in RetryCauses)
            {
                PushRetries.WithLabels(cause);
            }
        }

        public Counter LinesRead { get; }

        public Counter BytesRead { get; }

        public Counter LinesShipped { get; }

        public Counter BytesShipped { get; }

        public Counter EntriesRejected { get; }

        public Counter LinesTruncated { get; }

        public Counter LinesDropped { get; }

        public Counter PushRetries { get; }

        public Counter.Child PushesDelivered { get; }

        public Counter.Child PushesRejected { get; }

        public Histogram PushDuration { get; }

        public Histogram BatchEntries { get; }

        public Histogram DeliveryLatency { get; }

        public Gauge OldestUnshippedAge { get; }

        public Gauge BufferedBytes { get; }

        public Gauge BufferCapacityBytes { get; }

        public Gauge ActiveTails { get; }

        public Counter TailRestarts { get; }

        public Counter WatchRestarts { get; }

        public Gauge LokiUp { get; }
    }
}
