namespace Aggregator.Actors.Pipeline;

/// <summary>Batching and buffering of the pipeline between the tails and the pusher.</summary>
public sealed record PipelineSettings
{
    /// <summary>Most lines in one batch (BATCH_SIZE).</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>Longest a line waits for its batch to fill (BATCH_TIMEOUT).</summary>
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most bytes in one batch, and in one push request when ready batches are combined.</summary>
    public long BatchMaxBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Streams are spread over this many batching lanes by their label set. A lane never closes, so the graph's
    /// size is fixed however many containers come and go.
    /// </summary>
    public int Lanes { get; init; } = 16;

    /// <summary>Backoff between push attempts, from the minimum doubling to the maximum.</summary>
    public TimeSpan RetryMinimum { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="RetryMinimum"/>
    public TimeSpan RetryMaximum { get; init; } = TimeSpan.FromSeconds(30);
}
