using System.Text.RegularExpressions;
using Aggregator.Benchmarks;

namespace Aggregator.EndToEnd.Tests;

/// <summary>A few seconds of the pipeline benchmark: it runs, and everything arrives exactly once. Its figures are not judged here.</summary>
public sealed partial class BenchmarkSmokeTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_short_pipeline_benchmark_delivers_every_line_exactly_once_and_ends_with_its_machine_readable_line()
    {
        // 240 KB a container: the tails' reads grow to tens of KiB, so their lines travel in pooled blocks too.
        var result = await PipelineBenchmark.RunAsync(
            new PipelineOptions(Containers: 5, LinesPerContainer: 2000, BatchTimeoutSeconds: 0.2, SkipBaseline: true), TextWriter.Null, CancellationToken.None);

        Assert.True(result.ExactlyOnce, result.DeliverySummary);
        Assert.Equal(10_000, result.Lines);
        Assert.Matches(MachineReadable(), result.Report().Last());
        // The doubles served and decoded every line: the machine the aggregator ran on was shared with that work.
        Assert.True(result.DoublesCpuSecondsPerMillionLines > 0);
        Assert.Contains(result.Report(), line => line.StartsWith("doubles: ", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task Over_TLS_the_raw_baseline_and_the_aggregator_both_read_the_double_and_every_line_arrives_once()
    {
        var result = await PipelineBenchmark.RunAsync(
            new PipelineOptions(Containers: 5, LinesPerContainer: 2000, BatchTimeoutSeconds: 0.2, Tls: true), TextWriter.Null, CancellationToken.None);

        Assert.True(result.ExactlyOnce, result.DeliverySummary);
        Assert.True(result.RawLinesPerSecond > 0);
        Assert.True(result.RawCpuSecondsPerMillionLines > 0);
        Assert.Contains(result.Report(), line => line.Contains("the Kubernetes API over TLS", StringComparison.Ordinal));
        Assert.Contains(result.Report(), line => line.StartsWith("ratio by cost: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_kill_is_refused_where_the_run_could_not_show_a_recovery()
    {
        Assert.Null(new PipelineOptions().Problem());
        Assert.Null(new PipelineOptions(Rate: 5000, DurationSeconds: 50, Members: 3, KillAfterSeconds: 15).Problem());

        Assert.StartsWith("--kill-after needs --members 3 or more", new PipelineOptions(Rate: 5000, DurationSeconds: 50, Members: 2, KillAfterSeconds: 15).Problem(), StringComparison.Ordinal);
        Assert.StartsWith("--kill-after needs --rate", new PipelineOptions(Members: 3, KillAfterSeconds: 15).Problem(), StringComparison.Ordinal);
        Assert.StartsWith("--kill-after must be less than --duration", new PipelineOptions(Rate: 5000, DurationSeconds: 15, Members: 3, KillAfterSeconds: 15).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_ratio_is_shown_as_the_two_runs_cost_per_line_and_how_many_cores_each_kept_busy()
    {
        // 4,000,000 lines in 4 s at 0.50 cpu-seconds a million, beside doubles at 0.75: 1.25 cores busy. The baseline
        // read them at 2,000,000 lines/s for 0.50 a million: 1.00 core busy.
        var run = new PipelineResult(
            new PipelineOptions(), 4_000_000, 4, 1_000_000, 121, 0.5, 0.5, 190, null, null, 2_000_000, true, "summary")
        {
            DoublesCpuSecondsPerMillionLines = 0.75,
            DoublesCpuShareOfOneCore = 0.75,
            RawCpuSecondsPerMillionLines = 0.5,
            RawCoresBusy = 1.0,
        };

        Assert.Contains(
            "ratio by cost: the baseline took 0.50 cpu-seconds per million lines with 1.00 cores busy, " +
            "the run 1.25 (the aggregator's and the doubles') with 1.25: 0.50/1.25 x 1.25/1.00 = 0.50",
            run.Report());
        Assert.Equal(0.5, run.Ratio);
    }

    [Fact]
    public void Repeated_runs_end_with_the_medians_and_are_exactly_once_only_when_every_run_was()
    {
        var options = new PipelineOptions(Rate: 167, DurationSeconds: 300);
        PipelineResult Run(double linesPerSecond, double share, double rss, bool exactlyOnce, double doubles = 1.25) =>
            new(options, 50_100, 300, linesPerSecond, 0.02, share * 1e6 / linesPerSecond, share, rss, 500, 990, null, exactlyOnce, "summary")
            {
                DoublesCpuSecondsPerMillionLines = doubles,
            };

        var runs = new[] { Run(166, 0.017, 140.2, true, 1.5), Run(167, 0.015, 139.0, true, 1.25), Run(165, 0.021, 141.5, true, 2) };
        var report = PipelineSummary.Report(runs).ToList();

        Assert.Contains("  % of one core (steady state): 1.7 (1.5-2.1)", report);
        Assert.Contains("  peak RSS MiB: 140.2 (139.0-141.5)", report);
        Assert.Contains("  the doubles' cpu-seconds per million lines: 1.50 (1.25-2.00)", report);
        Assert.Equal("lines_per_s=166 raw_lines_per_s=0 ratio=0.00 exactly_once=true peak_rss_mib=140.2", report[^1]);
        Assert.Matches(MachineReadable(), report[^1]);

        var oneLost = PipelineSummary.Report([.. runs, Run(166, 0.016, 140.0, false)]).ToList();
        Assert.Contains("delivery: NOT exactly once in 1 of 4 runs", oneLost);
        Assert.EndsWith("exactly_once=false peak_rss_mib=140.1", oneLost[^1]);
    }

    [GeneratedRegex(@"^lines_per_s=\d+ raw_lines_per_s=\d+ ratio=\d+\.\d\d exactly_once=true peak_rss_mib=\d+\.\d$")]
    private static partial Regex MachineReadable();
}
