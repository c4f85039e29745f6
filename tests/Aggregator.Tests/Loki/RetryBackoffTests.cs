using Aggregator.Actors.Loki;
using Xunit;

namespace Aggregator.Tests.Loki;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Maximum = TimeSpan.FromSeconds(3);

    /// <summary>A Random that always returns the same NextDouble, to pin the jitter.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Fact]
    public void With_no_jitter_the_delay_is_half_the_ceiling_and_doubles_per_failure_up_to_the_cap()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0));

        var delays = Enumerable.Range(0, 8).Select(_ => backoff.NextDelay().TotalMilliseconds).ToArray();

        Assert.Equal([50, 100, 200, 400, 800, 1500, 1500, 1500], delays);
        Assert.Equal(8, backoff.Failures);
    }

    [Fact]
    public void With_full_jitter_the_delay_is_the_ceiling()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0.999999999));

        var delays = Enumerable.Range(0, 7).Select(_ => Math.Round(backoff.NextDelay().TotalMilliseconds)).ToArray();

        Assert.Equal([100, 200, 400, 800, 1600, 3000, 3000], delays);
    }

    [Fact]
    public void The_delay_always_lies_between_half_the_ceiling_and_the_ceiling()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new Random(1234));

        for (var failure = 1; failure <= 40; failure++)
        {
            var ceiling = Math.Min(Maximum.TotalMilliseconds, Minimum.TotalMilliseconds * Math.Pow(2, Math.Min(failure - 1, 30)));
            var delay = backoff.NextDelay().TotalMilliseconds;
            Assert.InRange(delay, (ceiling / 2) - 0.001, ceiling + 0.001);
        }
    }

    [Fact]
    public void Many_failures_never_overflow_past_the_maximum()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0.5));

        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(backoff.NextDelay(), TimeSpan.Zero, Maximum);
        }
    }

    [Fact]
    public void A_longer_retry_after_is_honoured()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0));

        Assert.Equal(TimeSpan.FromSeconds(2), backoff.NextDelay(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_shorter_retry_after_does_not_shorten_the_backoff()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0));

        Assert.Equal(TimeSpan.FromMilliseconds(50), backoff.NextDelay(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void A_retry_after_is_capped_at_ten_times_the_maximum()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0));

        Assert.Equal(TimeSpan.FromSeconds(30), backoff.NextDelay(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Reset_returns_to_the_minimum()
    {
        var backoff = new RetryBackoff(Minimum, Maximum, new FixedRandom(0));
        backoff.NextDelay();
        backoff.NextDelay();
        backoff.NextDelay();

        backoff.Reset();

        Assert.Equal(0, backoff.Failures);
        Assert.Equal(TimeSpan.FromMilliseconds(50), backoff.NextDelay());
        Assert.Equal(1, backoff.Failures);
    }
}
