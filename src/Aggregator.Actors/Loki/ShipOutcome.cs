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

    /// <summary>Whether Loki took the attempt as a push: stored it, judged its entries, or throttled it.</summary>
    /// <remarks>
    /// A 2xx, and the refusals that are Loki judging what was sent (400: entries too old, too long…; 413: too large
    /// a request; 422: no streams), show a Loki that works. Every other answer means nothing can ship until something
    /// changes: 401 and 403 (credentials, tenant), 404 (a wrong URL path), 5xx and no answer at all. A 429 counts as
    /// up: it is Loki answering as designed, enforcing the tenant's ingestion limits, and the pushes go through once
    /// the rate drops; its retries show in aggregator_push_retries_total. Counted down, it would page for "Loki is
    /// down" when what is needed is a higher limit.
    /// </remarks>
    public bool TakenByLoki => Result is not ShipResult.Retryable || StatusCode == 429;
}
