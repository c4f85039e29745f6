namespace Aggregator.Actors.Loki;

/// <summary>What became of one push attempt.</summary>
public enum ShipResult
{
    /// <summary>Loki stored the batch (any 2xx).</summary>
    Delivered,

    /// <summary>Loki refused some or all entries for good (400): never to be sent again unchanged.</summary>
    Rejected,

    /// <summary>Worth trying again: 429, 5xx, a connection failure or a timeout.</summary>
    Retryable,
}

/// <summary>The outcome of a push attempt, with what Loki said.</summary>
/// <param name="Result">Delivered, rejected or retryable.</param>
/// <param name="StatusCode">The HTTP status, or 0 when no response came.</param>
/// <param name="Message">Loki's message, or the failure's.</param>
/// <param name="RetryAfter">A Retry-After that a proxy in front of Loki sent, if any.</param>
public sealed record ShipOutcome(ShipResult Result, int StatusCode, string Message, TimeSpan? RetryAfter = null)
{
    /// <summary>Delivered with status 204.</summary>
    public static readonly ShipOutcome Delivered = new(ShipResult.Delivered, 204, string.Empty);
}
