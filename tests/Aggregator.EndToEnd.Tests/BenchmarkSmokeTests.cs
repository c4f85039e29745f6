using System.Text.RegularExpressions;
using Aggregator.Benchmarks;

namespace Aggregator.EndToEnd.Tests;

/// <summary>A few seconds of the pipeline benchmark: it runs, and everything arrives exactly once. Its figures are not judged here.</summary>
public sealed partial class BenchmarkSmokeTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_short_pipeline_benchmark_delivers_every_line_exactly_once_and_ends_with_its_machine_readable_line()
    {
        var result = await PipelineBenchmark.RunAsync(
            new PipelineOptions(Containers: 5, LinesPerContainer: 400, BatchTimeoutSeconds: 0.2, SkipBaseline: true), TextWriter.Null, CancellationToken.None);

        Assert.True(result.ExactlyOnce, result.DeliverySummary);
        Assert.Equal(2000, result.Lines);
        Assert.Matches(MachineReadable(), result.Report().Last());
    }

    [GeneratedRegex(@"^lines_per_s=\d+ raw_lines_per_s=\d+ ratio=\d+\.\d\d exactly_once=true peak_rss_mib=\d+\.\d$")]
    private static partial Regex MachineReadable();
}
