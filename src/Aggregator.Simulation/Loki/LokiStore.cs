using System.Collections.ObjectModel;

namespace Aggregator.Simulation.Loki;

/// <summary>
/// The double's ingester: streams per tenant, each entry kept once, applied under one lock so that concurrent pushes
/// see a consistent stream. Entries are told apart by timestamp and a 64-bit hash of the line. Without
/// <paramref name="keepLines"/> only those are kept (16 bytes an entry rather than the line, its string and its
/// record): a benchmark of millions of lines then measures the aggregator more than this double's heap.
/// </summary>
internal sealed class LokiStore(bool keepLines = true)
{
    private const string LinesNotKept = "this Loki double keeps timestamps and line hashes only (LokiDoubleOptions.KeepLines is false)";

    private readonly Lock gate = new();
    private readonly Dictionary<(string Tenant, string Labels), StreamState> streams = [];
    private readonly List<StreamState> creationOrder = [];
    private long entryCount;
    private long duplicateCount;

    public long EntryCount
    {
        get
        {
            lock (gate)
            {
                return entryCount;
            }
        }
    }

    public long DuplicateCount
    {
        get
        {
            lock (gate)
            {
                return duplicateCount;
            }
        }
    }

    public PushOutcome Apply(string tenant, IReadOnlyList<IncomingStream> push, LokiDoubleOptions options, long nowNanos)
    {
        var outcome = new PushOutcome { StreamCount = push.Count, EntryCount = push.Sum(s => s.Entries.Count) };
        lock (gate)
        {
            foreach (var incoming in push)
            {
                // Loki skips a stream without entries before even looking at its labels.
                if (incoming.Entries.Count == 0)
                {
                    continue;
                }

                var labels = PushValidation.CheckLabels(incoming.Labels, options, out var problem);
                if (labels is null)
                {
                    outcome.RejectStream(problem!, incoming.Entries.Count);
                    continue;
                }

                var state = GetOrCreate(tenant, labels);
                foreach (var entry in incoming.Entries)
                {
                    var rejection = PushValidation.CheckEntry(entry, state.MessageLabels, nowNanos, options)
                        ?? Append(state, entry, options, outcome);
                    if (rejection is not null)
                    {
                        outcome.RejectEntry(entry.TimestampNanos, rejection);
                    }
                }
            }
        }

        return outcome;
    }

    /// <summary>Streams holding at least one entry.</summary>
    public int StreamCount
    {
        get
        {
            lock (gate)
            {
                return creationOrder.Count(s => s.Count > 0);
            }
        }
    }

    public IReadOnlyList<StoredStream> Snapshot()
    {
        lock (gate)
        {
            return creationOrder.Where(s => s.Count > 0).Select(s => s.Snapshot()).ToList();
        }
    }

    public IReadOnlyList<StoredEntry> EntriesOf(IReadOnlyDictionary<string, string> labelMatch)
    {
        lock (gate)
        {
            return Matching(labelMatch).SelectMany(s => s.Lines).ToList();
        }
    }

    /// <summary>Timestamp and line hash of every entry of the matching streams, stream by stream in arrival order; kept in both modes.</summary>
    public IReadOnlyList<(long TimestampNanos, ulong LineHash)> HashesOf(IReadOnlyDictionary<string, string> labelMatch)
    {
        lock (gate)
        {
            return Matching(labelMatch).SelectMany(s => s.Hashes).ToList();
        }
    }

    private IEnumerable<StreamState> Matching(IReadOnlyDictionary<string, string> labelMatch) =>
        creationOrder.Where(s => labelMatch.All(m => s.Labels.TryGetValue(m.Key, out var v) && string.Equals(v, m.Value, StringComparison.Ordinal)));

    /// <summary>Entries of the tenant's streams matching every matcher, with start &lt;= ts &lt; end, the `limit` first in the direction, grouped by result stream.</summary>
    public IReadOnlyList<StoredStream> Query(string tenant, IReadOnlyList<LabelMatcher> matchers, long start, long end, int limit, bool forward)
    {
        List<(IReadOnlyDictionary<string, string> Labels, StoredEntry Entry, long Order)> found = [];
        lock (gate)
        {
            long order = 0;
            foreach (var stream in creationOrder.Where(s => s.Tenant == tenant && matchers.All(m => m.Matches(s.Labels.GetValueOrDefault(m.Name)))))
            {
                foreach (var entry in stream.Lines)
                {
                    order++;
                    if (entry.TimestampNanos >= start && entry.TimestampNanos < end)
                    {
                        found.Add((stream.Labels, entry, order));
                    }
                }
            }
        }

        var ordered = forward
            ? found.OrderBy(f => f.Entry.TimestampNanos).ThenBy(f => f.Order)
            : found.OrderByDescending(f => f.Entry.TimestampNanos).ThenByDescending(f => f.Order);

        // Loki 3 (without categorize-labels) returns structured metadata as extra stream labels.
        return ordered
            .Take(limit)
            .Select(f => (Labels: ResultLabels(f.Labels, f.Entry.StructuredMetadata), f.Entry))
            .GroupBy(f => GoText.LabelSet(f.Labels, ","), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StoredStream(g.First().Labels, g.Select(f => f.Entry with { StructuredMetadata = null }).ToList()) { Tenant = tenant })
            .ToList();
    }

    public IReadOnlyList<string> LabelNames(string tenant)
    {
        lock (gate)
        {
            return creationOrder.Where(s => s.Tenant == tenant).SelectMany(s => s.Labels.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<string> LabelValues(string tenant, string name)
    {
        lock (gate)
        {
            return creationOrder
                .Where(s => s.Tenant == tenant && s.Labels.ContainsKey(name))
                .Select(s => s.Labels[name])
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToList();
        }
    }

    private static Dictionary<string, string> ResultLabels(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string>? metadata)
    {
        var result = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            result.TryAdd(name, value);
        }

        return result;
    }

    // The ingester's part: the repeat of the last line is dropped, then the out-of-order window, then duplicates
    // (the same timestamp and line, told by the line's 64-bit hash).
    private string? Append(StreamState state, IncomingEntry entry, LokiDoubleOptions options, PushOutcome outcome)
    {
        var key = (entry.TimestampNanos, entry.LineHash);
        if (state.Last == key)
        {
            CountDuplicate(outcome);
            return null;
        }

        if (state.Newest is { } newest)
        {
            var cutoff = newest - options.OutOfOrderWindow.Ticks * 100;
            if (entry.TimestampNanos < cutoff)
            {
                return PushValidation.TooFarBehind(entry.TimestampNanos, cutoff);
            }
        }

        if (!state.TryAdd(entry.Stored, key))
        {
            CountDuplicate(outcome);
            return null;
        }

        state.Last = key;
        state.Newest = Math.Max(state.Newest ?? long.MinValue, entry.TimestampNanos);
        entryCount++;
        return null;
    }

    private void CountDuplicate(PushOutcome outcome)
    {
        duplicateCount++;
        outcome.DuplicateCount++;
    }

    private StreamState GetOrCreate(string tenant, IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        var key = GoText.LabelSet(labels, ",");
        if (!streams.TryGetValue((tenant, key), out var state))
        {
            state = new StreamState(tenant, labels, keepLines);
            streams.Add((tenant, key), state);
            creationOrder.Add(state);
        }

        return state;
    }

    private sealed class StreamState(string tenant, IReadOnlyList<KeyValuePair<string, string>> labels, bool keepLines)
    {
        // The entries themselves if the store keeps lines; their timestamps and line hashes in any case, in arrival
        // order. While those arrive in timestamp order (the usual case) a duplicate is found by binary search; the
        // first entry that arrives out of order brings in a hash set, which is dearer by far with millions of entries.
        private readonly List<StoredEntry>? entries = keepLines ? [] : null;
        private readonly EntryKeys keys = new();
        private HashSet<(long, ulong)>? seen;

        public string Tenant { get; } = tenant;

        public ReadOnlyDictionary<string, string> Labels { get; } = new(labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal));

        /// <summary>Prometheus' Labels.String(), which Loki puts in its entry messages.</summary>
        public string MessageLabels { get; } = GoText.LabelSet(labels, ", ");

        public int Count => keys.Count;

        public IReadOnlyList<StoredEntry> Lines => entries ?? throw new InvalidOperationException(LinesNotKept);

        public IEnumerable<(long, ulong)> Hashes => keys;

        public (long, ulong)? Last { get; set; }

        public long? Newest { get; set; }

        /// <summary>Adds the entry unless the stream holds one with the same timestamp and line hash.</summary>
        public bool TryAdd(StoredEntry? entry, (long Timestamp, ulong Hash) key)
        {
            if (seen is not null ? !seen.Add(key) : keys.HoldsSorted(key))
            {
                return false;
            }

            if (seen is null && keys.Count > 0 && key.Timestamp < keys[keys.Count - 1].Timestamp)
            {
                seen = [.. keys, key];
            }

            keys.Add(key);
            if (entries is not null)
            {
                entries.Add(entry ?? throw new InvalidOperationException("an entry to keep came without its line"));
            }

            return true;
        }

        public StoredStream Snapshot() => new(Labels, Lines.ToList()) { Tenant = Tenant };
    }
}
