using System.Globalization;
using System.Text;
using Aggregator.Host;
using Prometheus;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>The process's and the .NET runtime's series beside the aggregator's own, on each runtime's registry.</summary>
public sealed class AggregatorRuntimeMetricsTests
{
    private static async Task<string> Exposition(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Value(string exposition, string sample) =>
        double.Parse(
            exposition.Split('\n').Single(l => l.StartsWith(sample + " ", StringComparison.Ordinal))[(sample.Length + 1)..],
            CultureInfo.InvariantCulture);

    [Fact(Timeout = 30_000)]
    public async Task Several_runtimes_in_one_process_each_expose_the_process_series_and_keep_their_own_apart()
    {
        var first = new AggregatorRuntime(1024 * 1024);
        var second = new AggregatorRuntime(1024 * 1024);
        first.Counters.KnowNamespace("shop");

        var one = await Exposition(first.Counters.Registry);
        var other = await Exposition(second.Counters.Registry);

        foreach (var text in new[] { one, other })
        {
            Assert.True(Value(text, "process_working_set_bytes") > 0);
            Assert.True(Value(text, "process_cpu_seconds_total") > 0);
            Assert.True(Value(text, "dotnet_total_memory_bytes") > 0);
            Assert.Contains("dotnet_collection_count_total{generation=\"0\"} ", text, StringComparison.Ordinal);
            Assert.Contains("aggregator_buffer_capacity_bytes 1048576\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("aggregator_lines_read_total{namespace=\"shop\"} 0", one, StringComparison.Ordinal);
        Assert.DoesNotContain("aggregator_lines_read_total{", other, StringComparison.Ordinal);
    }
}
