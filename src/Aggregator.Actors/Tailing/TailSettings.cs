namespace Aggregator.Actors.Tailing;

/// <summary>How tails read and reopen their log streams.</summary>
public sealed record TailSettings
{
    /// <summary>Backoff before reopening a stream that failed or ended without news, doubling up to the maximum.</summary>
    public TimeSpan ReopenMinimum { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="ReopenMinimum"/>
    public TimeSpan ReopenMaximum { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The runtime's partial-record size: longer lines come back with timestamps embedded at these boundaries.</summary>
    public int PartialLineBytes { get; init; } = 16 * 1024;
}
