using System.Text;
using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class KubeletTimestampTests
{
    // 2026-11-25T13:41:59Z is Unix second 1795614119.
    private const long Second = 1_795_614_119L;

    private static (int Consumed, long Nanos) TryParse(string text)
    {
        var consumed = KubeletTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out var nanos);
        return (consumed, nanos);
    }

    private static TimestampMinute MinuteOf(string text)
    {
        var minute = default(TimestampMinute);
        Assert.True(KubeletTimestamp.TryParse(Encoding.UTF8.GetBytes(text), ref minute, out _) > 0);
        return minute;
    }

    [Fact]
    public void Nine_fraction_digits_are_exact_to_the_nanosecond()
    {
        var (consumed, nanos) = TryParse("2026-11-25T13:41:59.034086826Z");

        Assert.Equal(30, consumed);
        Assert.Equal(1_795_614_119_034_086_826L, nanos);
    }

    [Fact]
    public void The_consumed_length_stops_at_the_end_of_the_timestamp_leaving_the_line()
    {
        var (consumed, nanos) = TryParse("2026-11-25T13:41:59.000000001Z hello world");

        Assert.Equal(30, consumed);
        Assert.Equal((Second * 1_000_000_000L) + 1, nanos);
    }

    [Theory]
    [InlineData("2026-11-25T13:41:59Z", 0L)]
    [InlineData("2026-11-25T13:41:59.5Z", 500_000_000L)]
    [InlineData("2026-11-25T13:41:59.03Z", 30_000_000L)]
    [InlineData("2026-11-25T13:41:59.034086Z", 34_086_000L)]
    [InlineData("2026-11-25T13:41:59.03408682Z", 34_086_820L)]
    public void Fewer_fraction_digits_are_scaled_to_nanoseconds(string text, long fraction)
    {
        Assert.Equal((Second * 1_000_000_000L) + fraction, KubeletTimestamp.Parse(text));
    }

    [Theory]
    [InlineData("2026-11-25T13:41:59.0340868269Z")]
    [InlineData("2026-11-25T13:41:59.034086826999999Z")]
    public void Digits_past_the_ninth_are_truncated_not_rounded(string text)
    {
        Assert.Equal(1_795_614_119_034_086_826L, KubeletTimestamp.Parse(text));
    }

    [Fact]
    public void A_positive_offset_is_subtracted_to_reach_utc()
    {
        Assert.Equal((1_795_606_919L * 1_000_000_000L) + 34_086_826L, KubeletTimestamp.Parse("2026-11-25T13:41:59.034086826+02:00"));
    }

    [Fact]
    public void A_negative_offset_with_minutes_is_added_to_reach_utc()
    {
        Assert.Equal((1_795_633_919L * 1_000_000_000L) + 34_086_826L, KubeletTimestamp.Parse("2026-11-25T13:41:59.034086826-05:30"));
    }

    [Fact]
    public void A_zero_offset_equals_z()
    {
        Assert.Equal(KubeletTimestamp.Parse("2026-11-25T13:41:59.1Z"), KubeletTimestamp.Parse("2026-11-25T13:41:59.1+00:00"));
    }

    [Fact]
    public void Lowercase_t_and_z_are_accepted()
    {
        Assert.Equal(1_795_614_119_034_086_826L, KubeletTimestamp.Parse("2026-11-25t13:41:59.034086826z"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world, this is not a timestamp")]
    [InlineData("2026-11-25T13:41:59")]
    [InlineData("2026-11-25T13:41:59.Z")]
    [InlineData("2026-11-25T13:41:59.123")]
    [InlineData("2026-11-25 13:41:59.123Z")]
    [InlineData("2026/11/25T13:41:59.123Z")]
    [InlineData("2026-13-25T13:41:59.123Z")]
    [InlineData("2026-00-25T13:41:59.123Z")]
    [InlineData("2026-02-29T13:41:59.123Z")]
    [InlineData("2026-11-31T13:41:59.123Z")]
    [InlineData("2026-11-00T13:41:59.123Z")]
    [InlineData("2026-11-25T24:41:59.123Z")]
    [InlineData("2026-11-25T13:60:59.123Z")]
    [InlineData("2026-11-25T13:41:61.123Z")]
    [InlineData("2026-11-25T13:41:59.123X")]
    [InlineData("2026-11-25T13:41:59.1234:678Z")]
    [InlineData("2026-11-25T13:41:59.1234/678Z")]
    [InlineData("2026-11-25T13:41:59.12345678?Z")]
    [InlineData("2026-11-25T13:41:59.123+02")]
    [InlineData("2026-11-25T13:41:59.123+0200")]
    [InlineData("2026-11-25T1a:41:59.123Z")]
    [InlineData("-026-11-25T13:41:59.123Z")]
    public void Invalid_input_consumes_nothing_and_gives_zero(string text)
    {
        var (consumed, nanos) = TryParse(text);

        Assert.Equal(0, consumed);
        Assert.Equal(0, nanos);

        // The same with a reader that has just parsed a line of that minute, whose prefix the input may share.
        var minute = MinuteOf("2026-11-25T13:41:00.000000000Z");
        Assert.Equal(0, KubeletTimestamp.TryParse(Encoding.UTF8.GetBytes(text), ref minute, out nanos));
        Assert.Equal(0, nanos);
    }

    [Fact]
    public void A_reader_that_remembers_the_minute_parses_every_timestamp_as_the_plain_parser_does()
    {
        // In order, as a container writes them, across minutes, hours, days, months, years and a leap day; then with
        // offsets and fewer digits, whose minute prefix is the same as the UTC line before them.
        string[] lines =
        [
            "2026-11-25T13:41:59.034086826Z", "2026-11-25T13:41:59.999999999Z", "2026-11-25T13:42:00.000000000Z",
            "2026-11-25T13:59:59.5Z", "2026-11-25T14:00:00Z", "2026-11-30T23:59:59.999999999Z", "2026-12-01T00:00:00.000000001Z",
            "2026-12-31T23:59:60.25Z", "2027-01-01T00:00:00.000000000Z", "2028-02-28T23:59:59Z", "2028-02-29T00:00:00Z",
            "2028-02-29T00:00:01.123+02:00", "2028-02-29T00:00:02.123-05:30", "2028-02-29t00:00:03.1z", "2028-02-29T00:00:04.1234567891Z",
            "1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:58Z",
        ];
        var minute = default(TimestampMinute);
        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line + " text");
            var expected = KubeletTimestamp.TryParse(bytes, out var expectedNanos);
            var consumed = KubeletTimestamp.TryParse(bytes, ref minute, out var nanos);

            Assert.True(expected > 0, line);
            Assert.Equal((expected, expectedNanos), (consumed, nanos));
        }
    }

    [Fact]
    public void Random_timestamps_parse_alike_with_and_without_the_remembered_minute()
    {
        var random = new Random(20261126);
        var minute = default(TimestampMinute);
        var nanos = 1_795_614_119_034_086_826L;
        for (var i = 0; i < 20_000; i++)
        {
            // Mostly small steps, as a busy container's lines are; now and then a jump anywhere between 1900 and 2100.
            nanos = random.Next(10) == 0
                ? random.NextInt64(-2_208_988_800L, 4_102_444_800L) * 1_000_000_000L + random.NextInt64(1_000_000_000L)
                : nanos + random.NextInt64(5_000_000_000L);
            var bytes = Encoding.UTF8.GetBytes(KubeletTimestamp.Format(nanos));

            Assert.Equal(bytes.Length, KubeletTimestamp.TryParse(bytes, ref minute, out var parsed));
            Assert.Equal(nanos, parsed);
        }
    }

    [Fact]
    public void Year_zero_is_not_a_timestamp_and_does_not_throw()
    {
        var (consumed, nanos) = TryParse("0000-01-01T00:00:00.000000000Z line");

        Assert.Equal(0, consumed);
        Assert.Equal(0, nanos);
    }

    [Fact]
    public void A_leap_day_is_accepted()
    {
        Assert.Equal(951_825_600L * 1_000_000_000L, KubeletTimestamp.Parse("2000-02-29T12:00:00Z"));
    }

    [Fact]
    public void Parse_rejects_text_after_the_timestamp()
    {
        Assert.Throws<FormatException>(() => KubeletTimestamp.Parse("2026-11-25T13:41:59.034086826Z "));
    }

    [Fact]
    public void Dates_before_1970_are_negative_nanoseconds()
    {
        Assert.Equal(-1_000_000_000L, KubeletTimestamp.Parse("1969-12-31T23:59:59Z"));
        Assert.Equal(-1L, KubeletTimestamp.Parse("1969-12-31T23:59:59.999999999Z"));
        Assert.Equal((-310_435_200L * 1_000_000_000L) + 250_000_000L, KubeletTimestamp.Parse("1960-03-01T00:00:00.25Z"));
    }

    [Theory]
    [InlineData(1_795_614_119_034_086_826L, "2026-11-25T13:41:59.034086826Z")]
    [InlineData(1_795_614_119_000_000_000L, "2026-11-25T13:41:59.000000000Z")]
    [InlineData(0L, "1970-01-01T00:00:00.000000000Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999999Z")]
    [InlineData(-1_000_000_000L, "1969-12-31T23:59:59.000000000Z")]
    [InlineData(-999_999_999L, "1969-12-31T23:59:59.000000001Z")]
    public void Format_writes_nine_digits_in_utc(long nanos, string text)
    {
        Assert.Equal(text, KubeletTimestamp.Format(nanos));
    }

    [Theory]
    [InlineData(1_795_614_119_034_086_826L)]
    [InlineData(1_795_614_119_999_999_999L)]
    [InlineData(1L)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-310_435_199_123_456_789L)]
    public void Format_and_parse_round_trip_every_nanosecond(long nanos)
    {
        Assert.Equal(nanos, KubeletTimestamp.Parse(KubeletTimestamp.Format(nanos)));
    }

    [Theory]
    [InlineData(1_795_614_119L, "2026-11-25T13:41:59Z")]
    [InlineData(0L, "1970-01-01T00:00:00Z")]
    [InlineData(-1L, "1969-12-31T23:59:59Z")]
    public void FormatSecond_writes_whole_seconds_with_z(long second, string text)
    {
        Assert.Equal(text, KubeletTimestamp.FormatSecond(second));
    }

    [Theory]
    [InlineData(1_795_614_119_034_086_826L, 1_795_614_119L)]
    [InlineData(1_000_000_000L, 1L)]
    [InlineData(999_999_999L, 0L)]
    [InlineData(0L, 0L)]
    [InlineData(-1L, -1L)]
    [InlineData(-999_999_999L, -1L)]
    [InlineData(-1_000_000_000L, -1L)]
    [InlineData(-1_000_000_001L, -2L)]
    [InlineData(-2_000_000_000L, -2L)]
    public void SecondOf_floors_towards_the_past_also_for_negative_values(long nanos, long second)
    {
        Assert.Equal(second, KubeletTimestamp.SecondOf(nanos));
    }
}
