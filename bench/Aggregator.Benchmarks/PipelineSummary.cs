using System.Globalization;

namespace Aggregator.Benchmarks;

/// <summary>Several runs of the same shape summed up by their medians: single runs on a shared machine spread widely.</summary>
public static class PipelineSummary
{
    /// <summary>Median and range of each figure, then the machine-readable line of the medians.</summary>
    public static IEnumerable<string> Report(IReadOnlyList<PipelineResult> runs)
    {
        yield return F($"over {runs.Count} runs, median (min-max):");
        yield return Figure("lines/s", runs.Select(r => r.LinesPerSecond), "0");
        if (runs.All(r => r.SustainedLinesPerSecond is not null))
        {
            yield return Figure("sustained lines/s (a tenth to nine tenths in Loki)", runs.Select(r => r.SustainedLinesPerSecond!.Value), "0");
        }

        yield return Figure(runs[0].Options.Rate > 0 ? "% of one core (steady state)" : "% of one core (while reading)", runs.Select(r => r.CpuShareOfOneCore * 100), "0.0");
        yield return Figure("cpu-seconds per million lines", runs.Select(r => r.CpuSecondsPerMillionLines), "0.00");
        if (runs.All(r => r.DoublesCpuSecondsPerMillionLines is not null))
        {
            yield return Figure("the doubles' cpu-seconds per million lines", runs.Select(r => r.DoublesCpuSecondsPerMillionLines!.Value), "0.00");
        }
        yield return Figure("peak RSS MiB", runs.Select(r => r.PeakRssMiB), "0.0");
        if (runs.All(r => r.LatencyP99Ms is not null))
        {
            yield return Figure("p99 latency ms", runs.Select(r => r.LatencyP99Ms!.Value), "0");
        }

        // A ratio exists exactly where a raw baseline was measured.
        var withBaseline = runs.All(r => r.Ratio is not null);
        if (withBaseline)
        {
            yield return Figure("raw baseline lines/s", runs.Select(r => r.RawLinesPerSecond!.Value), "0");
            yield return Figure("aggregator/raw", runs.Select(r => r.Ratio!.Value), "0.00");
            yield return Figure("raw baseline cpu-seconds per million lines", runs.Select(r => r.RawCpuSecondsPerMillionLines!.Value), "0.00");
            if (runs.All(r => r.SustainedRatio is not null))
            {
                yield return Figure("raw baseline sustained lines/s", runs.Select(r => r.RawSustainedLinesPerSecond!.Value), "0");
                yield return Figure("sustained aggregator/raw", runs.Select(r => r.SustainedRatio!.Value), "0.00");
            }
        }

        var exactlyOnce = runs.All(r => r.ExactlyOnce);
        yield return exactlyOnce ? "delivery: exactly once in every run" : F($"delivery: NOT exactly once in {runs.Count(r => !r.ExactlyOnce)} of {runs.Count} runs");
        var raw = withBaseline ? Median(runs.Select(r => r.RawLinesPerSecond!.Value)) : 0;
        var ratio = withBaseline ? Median(runs.Select(r => r.Ratio!.Value)) : 0;
        yield return F($"lines_per_s={Median(runs.Select(r => r.LinesPerSecond)):0} raw_lines_per_s={raw:0} ratio={ratio:0.00} exactly_once={(exactlyOnce ? "true" : "false")} peak_rss_mib={Median(runs.Select(r => r.PeakRssMiB)):0.0}");
    }

    /// <summary>The middle value; the mean of the two middle ones for an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Figure(string name, IEnumerable<double> values, string format)
    {
        var list = values.ToList();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"  {name}: {Median(list).ToString(format, CultureInfo.InvariantCulture)} ({list.Min().ToString(format, CultureInfo.InvariantCulture)}-{list.Max().ToString(format, CultureInfo.InvariantCulture)})");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
