using Aggregator.Benchmarks;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The benchmark's sustained rate: measured between the first samples at a tenth and at nine tenths of the lines.</summary>
public sealed class SustainedRateTests
{
    [Fact]
    public void The_window_runs_from_the_first_sample_at_a_tenth_to_the_first_at_nine_tenths()
    {
        var rate = new SustainedRate(1_000);

        // A slow start and a long wait for the last lines, both outside the window.
        foreach (var (seconds, lines) in new[] { (0.0, 0L), (1.0, 50L), (2.0, 150L), (3.0, 550L), (4.0, 950L), (9.0, 1_000L) })
        {
            rate.Sample(TimeSpan.FromSeconds(seconds), lines);
        }

        Assert.Equal((950 - 150) / 2.0, rate.LinesPerSecond);
    }

    [Fact]
    public void The_milestones_are_the_first_samples_with_a_line_a_tenth_and_nine_tenths()
    {
        var rate = new SustainedRate(1_000);
        Assert.Equal((null, null, null), rate.Milestones);

        foreach (var (seconds, lines) in new[] { (0.0, 0L), (0.5, 0L), (1.0, 50L), (2.0, 150L), (3.0, 550L), (4.0, 950L), (9.0, 1_000L) })
        {
            rate.Sample(TimeSpan.FromSeconds(seconds), lines);
        }

        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)), rate.Milestones);
    }

    [Fact]
    public void The_start_line_says_when_the_streams_were_asked_for_and_when_lines_reached_Loki()
    {
        var result = new PipelineResult(new PipelineOptions(), 4_000_000, 4.5, 888_889, 107, 0.7, 0.75, 190, null, null, null, true, "summary")
        {
            Start = (TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(0.44), TimeSpan.FromSeconds(1.3), TimeSpan.FromSeconds(4.1)),
        };

        Assert.Contains(
            "start: every stream asked for at 0.80 s, the first line in Loki at 0.44 s, a tenth of the lines at 1.30 s, nine tenths at 4.10 s, all at 4.50 s",
            result.Report());
        // Not measured (a rate run): no line.
        Assert.DoesNotContain((result with { Start = default }).Report(), line => line.StartsWith("start:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_that_crossed_both_ends_between_two_samples_has_no_sustained_rate()
    {
        var rate = new SustainedRate(1_000);
        rate.Sample(TimeSpan.Zero, 0);
        rate.Sample(TimeSpan.FromSeconds(0.01), 1_000);

        Assert.Null(rate.LinesPerSecond);
    }

    [Fact]
    public void The_sustained_ratio_compares_with_the_raw_baselines_rate_measured_alike()
    {
        var result = new PipelineResult(new PipelineOptions(), 4_000_000, 4, 1_000_000, 121, 0.7, 0.75, 190, null, null, 4_000_000, true, "summary")
        {
            SustainedLinesPerSecond = 2_000_000,
            RawSustainedLinesPerSecond = 5_000_000,
        };

        Assert.Equal(0.25, result.Ratio);
        Assert.Equal(0.4, result.SustainedRatio);
        Assert.Contains(result.Report(), line => line.StartsWith("sustained: 2000000 lines/s, 242.0 MB/s", StringComparison.Ordinal) && line.Contains("aggregator/raw = 0.40", StringComparison.Ordinal));
    }
}
