namespace Aggregator.Actors.Tailing;

/// <summary>How tails read and reopen their log streams.</summary>
public sealed record TailSettings
{
    /// <summary>Backoff before reopening a stream that failed or ended without news, doubling up to the maximum.</summary>
    public TimeSpan ReopenMinimum { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="ReopenMinimum"/>
    public TimeSpan ReopenMaximum { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Backoff before starting a crashed tail again (a bug: expected faults are handled inside it), doubling up to the maximum.</summary>
    public TimeSpan CrashRestartMinimum { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="CrashRestartMinimum"/>
    public TimeSpan CrashRestartMaximum { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long the log of an exited instance is asked for after reads of it began to fail, before the rest is given up
    /// (five failed reads at the least): long enough for an API server's restart or upgrade to pass.
    /// </summary>
    public TimeSpan DrainGiveUpAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How old the pod a tail was started with may be, once Loki has said where its stream ends, before the tail reads
    /// the pod again to decide what to open.
    /// </summary>
    public TimeSpan StalePodAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The runtime's partial-record size: longer lines come back with timestamps embedded at these boundaries.</summary>
    public int PartialLineBytes { get; init; } = 16 * 1024;

    /// <summary>Lines longer than this (UTF-8 bytes) are truncated or dropped: Loki 3 refuses them (max_line_size, 256 KiB).</summary>
    public int MaxLineBytes { get; init; } = 256 * 1024;

    /// <summary>Whether overlong lines are truncated with a marker or dropped.</summary>
    public OverlongLines OverlongLines { get; init; } = OverlongLines.Truncate;

    /// <summary>A follow stream quiet for three times its usual gap, and at least this long, is reopened (rotation stall).</summary>
    public TimeSpan StallMinimumQuiet { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest a quiet follow stream is left alone before it is reopened.</summary>
    public TimeSpan StallMaximumQuiet { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often a tail looks at how long its stream has been quiet.</summary>
    public TimeSpan StallCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most lines in one chunk handed to the pipeline: BATCH_SIZE, so that a chunk always fits a batch.</summary>
    public int MaxChunkLines { get; init; } = 5000;

    /// <summary>Most weight (about bytes) in one chunk: the batch byte limit, for the same reason.</summary>
    public long MaxChunkWeight { get; init; } = 1024 * 1024;

    /// <summary>Most log requests and position queries being opened at once, over all tails.</summary>
    public int MaxConcurrentOpens { get; init; } = 32;
}
