using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;

namespace Aggregator.Simulation;

/// <summary>
/// Compares what the simulated containers wrote with what the Loki double stored, stream by stream: the
/// "exactly once, with its own timestamp" judgement of the delivery contract.
/// </summary>
public sealed record DeliveryReport(IReadOnlyList<StreamDelivery> Streams)
{
    /// <summary>True when every line written arrived once, at its own timestamp, and nothing else arrived.</summary>
    public bool ExactlyOnce => Streams.All(s => s.Missing == 0 && s.Unexpected == 0);

    /// <summary>Lines written, all streams.</summary>
    public int Written => Streams.Sum(s => s.Written);

    /// <summary>Lines stored that match a written line, all streams.</summary>
    public int Arrived => Streams.Sum(s => s.Arrived);

    /// <summary>Builds the report for the given container streams (namespace, pod, container).</summary>
    public static DeliveryReport Compare(
        KubernetesApiDouble kubernetes, LokiDouble loki, IEnumerable<(string Namespace, string Pod, string Container)> streams) =>
        new([.. streams.Select(s => CompareStream(kubernetes.LogOf(s.Namespace, s.Pod, s.Container), loki, s.Namespace, s.Pod, s.Container))]);

    /// <summary>
    /// One stream's comparison, from the lines written and the Loki double's entries for its labels (by timestamp and
    /// line hash, which the double keeps whether or not it keeps the lines).
    /// </summary>
    public static StreamDelivery CompareStream(IReadOnlyList<LogRecord> written, LokiDouble loki, string ns, string pod, string container)
    {
        var stored = loki.HashesOf(new Dictionary<string, string> { ["namespace"] = ns, ["pod"] = pod, ["container"] = container });
        var expected = new Dictionary<(long, ulong), int>();
        foreach (var record in written)
        {
            var key = (record.TimestampNanos, LokiDouble.LineHash(record.Line));
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }

        var arrived = 0;
        var unexpected = 0;
        foreach (var entry in stored)
        {
            var key = (entry.TimestampNanos, entry.LineHash);
            if (expected.TryGetValue(key, out var left) && left > 0)
            {
                expected[key] = left - 1;
                arrived++;
            }
            else
            {
                unexpected++;
            }
        }

        return new StreamDelivery(ns, pod, container, written.Count, arrived, written.Count - arrived, unexpected);
    }

    /// <summary>A table with one line per stream, then the totals.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"{"stream",-48} {"written",8} {"arrived",8} {"missing",8} {"unexpected",10}" };
        lines.AddRange(Streams.Select(s =>
            $"{$"{s.Namespace}/{s.Pod}/{s.Container}",-48} {s.Written,8} {s.Arrived,8} {s.Missing,8} {s.Unexpected,10}"));
        lines.Add($"{"total",-48} {Written,8} {Arrived,8} {Streams.Sum(s => s.Missing),8} {Streams.Sum(s => s.Unexpected),10}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>One container stream's delivery: lines written, arrived once, missing, and stored without having been written as such (a duplicate with another timestamp, or a mangled line).</summary>
public sealed record StreamDelivery(string Namespace, string Pod, string Container, int Written, int Arrived, int Missing, int Unexpected);
