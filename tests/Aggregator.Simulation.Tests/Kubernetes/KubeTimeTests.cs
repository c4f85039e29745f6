using System.Text;
using Aggregator.Simulation.Kubernetes;
using Xunit;

namespace Aggregator.Simulation.Tests.Kubernetes;

public sealed class KubeTimeTests
{
    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000000Z")]
    [InlineData(1_764_288_000_123_456_789L, "2025-11-28T00:00:00.123456789Z")]
    [InlineData(1_764_288_059_999_999_999L, "2025-11-28T00:00:59.999999999Z")]
    [InlineData(1_764_288_060_000_000_001L, "2025-11-28T00:01:00.000000001Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999999Z")]
    public void A_log_timestamp_has_nine_fractional_digits_and_Z(long unixNanos, string expected) =>
        Assert.Equal(expected, Write(unixNanos));

    [Fact]
    public void Lines_of_the_same_second_and_of_the_next_are_each_stamped_with_their_own_time()
    {
        // The second's text is kept between calls: a change of second, forward or back, must not reuse it.
        Assert.Equal("2026-11-28T02:08:52.000000001Z", Write(1_795_831_732_000_000_001L));
        Assert.Equal("2026-11-28T02:08:52.900000000Z", Write(1_795_831_732_900_000_000L));
        Assert.Equal("2026-11-28T02:08:53.000000000Z", Write(1_795_831_733_000_000_000L));
        Assert.Equal("2026-11-28T02:08:52.500000000Z", Write(1_795_831_732_500_000_000L));
    }

    [Fact]
    public void A_destination_shorter_than_a_timestamp_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KubeTime.WriteNanos(0, new byte[KubeTime.NanosLength - 1]));

    private static string Write(long unixNanos)
    {
        var bytes = new byte[KubeTime.NanosLength];
        KubeTime.WriteNanos(unixNanos, bytes);
        return Encoding.ASCII.GetString(bytes);
    }
}
