namespace Aggregator.Actors.Pipeline;

/// <summary>Running totals of what was shipped, refused and retried; shared by the pipeline and whoever reports on it.</summary>
public sealed class ShippingCounters
{
    private long _entriesShipped;
    private long _bytesShipped;
    private long _entriesRejected;
    private long _pushRetries;
    private long _pushes;

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

    internal void Rejected(int entries, string message)
    {
        Interlocked.Increment(ref _pushes);
        Interlocked.Add(ref _entriesRejected, entries);
        LastPushError = message;
    }

    internal void Retrying(string message)
    {
        Interlocked.Increment(ref _pushRetries);
        LastPushError = message;
    }
}
