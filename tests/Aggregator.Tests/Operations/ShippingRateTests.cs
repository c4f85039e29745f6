using Aggregator.Host.Operations;
using Xunit;

namespace Aggregator.Tests.Operations;

public sealed class ShippingRateTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Without_an_earlier_sample_the_rate_is_zero()
    {
        var rate = new ShippingRate(TimeSpan.FromMinutes(1));

        Assert.Equal((0, 0), rate.Rate(Start, 100, 1000));
    }

    [Fact]
    public void The_rate_covers_the_window_from_the_newest_sample_older_than_it()
    {
        var rate = new ShippingRate(TimeSpan.FromSeconds(60));
        rate.Sample(Start, 0, 0);
        rate.Sample(Start.AddSeconds(30), 3000, 30_000);
        rate.Sample(Start.AddSeconds(90), 9000, 90_000);

        // The sample at 0 s is older than the window and one at 30 s is not: the rate runs from 30 s.
        var (lines, bytes) = rate.Rate(Start.AddSeconds(100), 10_000, 100_000);

        Assert.Equal(100, lines, 3);
        Assert.Equal(1000, bytes, 3);
    }
}
