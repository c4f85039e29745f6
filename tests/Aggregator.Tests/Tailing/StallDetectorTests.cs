using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class StallDetectorTests
{
    private static readonly TimeSpan Minimum = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Maximum = TimeSpan.FromHours(1);

    private static StallDetector Detector() => new(Minimum, Maximum);

    /// <summary>Lines at the given times (ms); the first call is the first line.</summary>
    private static StallDetector WithLinesAt(params long[] times)
    {
        var detector = Detector();
        foreach (var time in times)
        {
            detector.LinesArrived(time);
        }

        return detector;
    }

    [Fact]
    public void Before_anything_happened_the_threshold_is_the_minimum_and_nothing_is_stalled()
    {
        var detector = Detector();

        Assert.Null(detector.UsualGap);
        Assert.Equal(Minimum, detector.Threshold);
        Assert.False(detector.IsStalled(long.MaxValue / 2));
    }

    [Fact]
    public void Quiet_time_counts_from_the_opening_before_any_line()
    {
        var detector = Detector();

        detector.Opened(1_000);

        Assert.False(detector.IsStalled(61_000));
        Assert.True(detector.IsStalled(61_001));
    }

    [Fact]
    public void A_second_opening_before_any_line_does_not_restart_the_quiet_time()
    {
        var detector = Detector();
        detector.Opened(1_000);

        detector.Opened(50_000);

        Assert.True(detector.IsStalled(61_001));
    }

    [Fact]
    public void An_opening_after_lines_does_not_restart_the_quiet_time()
    {
        var detector = WithLinesAt(10_000);

        detector.Opened(40_000);

        Assert.True(detector.IsStalled(70_001));
    }

    [Fact]
    public void The_first_gap_becomes_the_usual_gap()
    {
        var detector = WithLinesAt(0, 30_000);

        Assert.Equal(TimeSpan.FromSeconds(30), detector.UsualGap);
    }

    [Fact]
    public void A_single_line_without_an_opening_gives_no_usual_gap()
    {
        Assert.Null(WithLinesAt(5_000).UsualGap);
    }

    [Fact]
    public void The_gap_from_the_opening_to_the_first_line_counts_as_a_gap()
    {
        var detector = Detector();
        detector.Opened(0);

        detector.LinesArrived(40_000);

        Assert.Equal(TimeSpan.FromSeconds(40), detector.UsualGap);
    }

    [Fact]
    public void The_usual_gap_moves_by_a_fifth_of_each_new_gap()
    {
        // Gaps 10 s, then 60 s: 0.8 × 10 + 0.2 × 60 = 20 s; then 20 s: 0.8 × 20 + 0.2 × 20 = 20 s; then 0: 16 s.
        var detector = WithLinesAt(0, 10_000);
        Assert.Equal(10_000, detector.UsualGap!.Value.TotalMilliseconds, 0.001);

        detector.LinesArrived(70_000);
        Assert.Equal(20_000, detector.UsualGap!.Value.TotalMilliseconds, 0.001);

        detector.LinesArrived(90_000);
        Assert.Equal(20_000, detector.UsualGap!.Value.TotalMilliseconds, 0.001);

        detector.LinesArrived(90_000);
        Assert.Equal(16_000, detector.UsualGap!.Value.TotalMilliseconds, 0.001);
    }

    [Fact]
    public void The_threshold_is_the_minimum_while_three_usual_gaps_are_shorter()
    {
        var detector = WithLinesAt(0, 19_000);

        Assert.Equal(Minimum, detector.Threshold);
    }

    [Fact]
    public void The_threshold_is_three_usual_gaps_when_that_is_longer_than_the_minimum()
    {
        var detector = WithLinesAt(0, 50_000);

        Assert.Equal(TimeSpan.FromSeconds(150), detector.Threshold);
        Assert.False(detector.IsStalled(50_000 + 150_000));
        Assert.True(detector.IsStalled(50_000 + 150_001));
    }

    [Fact]
    public void The_threshold_is_capped_at_the_maximum()
    {
        var detector = WithLinesAt(0, 30 * 60_000);

        Assert.Equal(TimeSpan.FromMinutes(30), detector.UsualGap);
        Assert.Equal(Maximum, detector.Threshold);
    }

    [Fact]
    public void A_stream_is_stalled_only_when_quiet_for_longer_than_the_threshold()
    {
        var detector = WithLinesAt(0, 1_000, 2_000);

        Assert.Equal(Minimum, detector.Threshold);
        Assert.False(detector.IsStalled(2_000));
        Assert.False(detector.IsStalled(62_000));
        Assert.True(detector.IsStalled(62_001));
    }

    [Fact]
    public void Lines_arriving_restart_the_quiet_time()
    {
        var detector = WithLinesAt(0, 1_000);
        Assert.True(detector.IsStalled(61_001));

        detector.LinesArrived(61_000);

        Assert.False(detector.IsStalled(61_001));
    }

    [Fact]
    public void Each_fruitless_reopening_doubles_the_threshold_up_to_the_maximum()
    {
        var detector = Detector();
        detector.Opened(0);
        var thresholds = new List<TimeSpan>();

        for (var i = 1; i <= 7; i++)
        {
            detector.Reopening(i * 10_000_000L);
            thresholds.Add(detector.Threshold);
        }

        Assert.Equal(
            [
                TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(240), TimeSpan.FromSeconds(480), TimeSpan.FromSeconds(960),
                TimeSpan.FromSeconds(1920), Maximum, Maximum,
            ],
            thresholds);
    }

    [Fact]
    public void A_reopening_restarts_the_quiet_time_against_the_doubled_threshold()
    {
        var detector = WithLinesAt(0, 50_000);
        Assert.True(detector.IsStalled(200_001));

        detector.Reopening(200_001);

        Assert.Equal(TimeSpan.FromSeconds(300), detector.Threshold);
        Assert.False(detector.IsStalled(500_001));
        Assert.True(detector.IsStalled(500_002));
    }

    [Fact]
    public void Lines_after_reopenings_reset_the_threshold_and_leave_the_usual_gap_alone()
    {
        var detector = WithLinesAt(0, 50_000);
        detector.Reopening(200_001);
        detector.Reopening(500_002);
        Assert.Equal(TimeSpan.FromSeconds(600), detector.Threshold);

        // The time since the reopening is no gap between lines.
        detector.LinesArrived(900_000);

        Assert.Equal(TimeSpan.FromSeconds(50), detector.UsualGap);
        Assert.Equal(TimeSpan.FromSeconds(150), detector.Threshold);
        Assert.False(detector.IsStalled(1_050_000));
        Assert.True(detector.IsStalled(1_050_001));

        detector.LinesArrived(910_000);
        Assert.Equal(42_000, detector.UsualGap!.Value.TotalMilliseconds, 0.001);
    }

    [Fact]
    public void A_tail_with_a_spread_waits_longer_by_its_share_and_never_past_the_maximum()
    {
        var detector = new StallDetector(Minimum, Maximum, spread: 1.2);
        detector.Opened(0);

        Assert.Equal(TimeSpan.FromSeconds(72), detector.Threshold);
        Assert.False(detector.IsStalled(72_000));
        Assert.True(detector.IsStalled(72_001));

        for (var i = 0; i < 10; i++)
        {
            detector.Reopening(0);
        }

        Assert.Equal(Maximum, detector.Threshold);
    }

    [Fact]
    public void Spreads_run_from_one_to_a_quarter_more_whatever_the_hash()
    {
        var spreads = Enumerable.Range(0, 1000).Select(StallDetector.SpreadOf).ToList();

        Assert.Equal(1, spreads.Min());
        Assert.Equal(1 + (StallDetector.MostSpread * 999 / 1000), spreads.Max(), 1e-12);
        Assert.Equal(1000, spreads.Distinct().Count());
        Assert.All([int.MinValue, -1, int.MaxValue], hash => Assert.InRange(StallDetector.SpreadOf(hash), 1, 1 + StallDetector.MostSpread));
    }
}
