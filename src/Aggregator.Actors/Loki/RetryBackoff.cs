namespace Aggregator.Actors.Loki;

/// <summary>Capped exponential backoff with full jitter; a server's Retry-After wins when it asks for longer.</summary>
public sealed class RetryBackoff(TimeSpan minimum, TimeSpan maximum, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>Failed attempts since the last success.</summary>
    public int Failures { get; private set; }

    /// <summary>The wait before the next attempt, counting this failure.</summary>
    public TimeSpan NextDelay(TimeSpan? retryAfter = null)
    {
        Failures++;
        var ceiling = Math.Min(maximum.TotalMilliseconds, minimum.TotalMilliseconds * Math.Pow(2, Math.Min(Failures - 1, 30)));
        // Half fixed, half random: spreads many clients out without ever retrying at once.
        var delay = TimeSpan.FromMilliseconds((ceiling / 2) + (_random.NextDouble() * ceiling / 2));
        return retryAfter is { } asked && asked > delay ? (asked > maximum * 10 ? maximum * 10 : asked) : delay;
    }

    /// <summary>Back to the minimum after something worked.</summary>
    public void Reset() => Failures = 0;
}
