namespace Aggregator.Actors.Pipeline;

/// <summary>Running totals of what was shipped, refused and retried; shared by the pipeline and whoever reports on it.</summary>
public sealed class ShippingCounters
{
    private long _entriesShipped;
    private long _bytesShipped;
    private long _entriesRejected;
    private long _pushRetries;
    private long _pushes;
    private long _entriesRead;
    private long _linesTruncated;
    private long _linesDropped;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);

    /// <summary>Entries handed to the pipeline by the tails.</summary>
    public long EntriesRead => Interlocked.Read(ref _entriesRead);

    /// <summary>Entries read and not yet settled by Loki (shipped or refused).</summary>
    public long EntriesInFlight => EntriesRead - EntriesShipped - EntriesRejected;

    /// <summary>Lines cut to the maximum line size.</summary>
    public long LinesTruncated => Interlocked.Read(ref _linesTruncated);

    /// <summary>Lines left out for being longer than the maximum line size.</summary>
    public long LinesDropped => Interlocked.Read(ref _linesDropped);

    /// <summary>Entries Loki refused, by reason (too_old, too_far_behind, line_too_long, …).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejectedByReason;

    public long EntriesShipped => Interlocked.Read(ref _entriesShipped);

    public long BytesShipped => Interlocked.Read(ref _bytesShipped);

    public long EntriesRejected => Interlocked.Read(ref _entriesRejected);

    public long PushRetries => Interlocked.Read(ref _pushRetries);

    public long Pushes => Interlocked.Read(ref _pushes);

    /// <summary>Text of the last failed push, or null when the last push worked.</summary>
    public string? LastPushError { get; private set; }

    internal void Delivered(int entries, long bytes)
    {
        Interlocked.Increment(ref _pushes);
        Interlocked.Add(ref _entriesShipped, entries);
        Interlocked.Add(ref _bytesShipped, bytes);
        LastPushError = null;
    }

    internal void Rejected(IReadOnlyDictionary<string, int> byReason, int stored, long storedBytes, string message)
    {
        Interlocked.Increment(ref _pushes);
        foreach (var (reason, count) in byReason)
        {
            Interlocked.Add(ref _entriesRejected, count);
            _rejectedByReason.AddOrUpdate(reason, count, (_, total) => total + count);
        }

        // A partial 400: Loki stored the entries it did not name.
        Interlocked.Add(ref _entriesShipped, stored);
        Interlocked.Add(ref _bytesShipped, storedBytes);
        LastPushError = message;
    }

    internal void Read(int entries) => Interlocked.Add(ref _entriesRead, entries);

    internal void Overlong(bool dropped) => Interlocked.Increment(ref dropped ? ref _linesDropped : ref _linesTruncated);

    internal void Retrying(string message)
    {
        Interlocked.Increment(ref _pushRetries);
        LastPushError = message;
    }
}
