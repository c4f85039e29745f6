using System.Diagnostics;
using System.Text.RegularExpressions;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The real executable, as a container would run it: configured by environment variables, stopped by SIGTERM.</summary>
public sealed partial class ProcessTests
{
    [Fact(Timeout = 90_000)]
    public Task On_SIGTERM_the_aggregator_flushes_what_it_read_to_Loki_and_exits_0() => SignalAfterReadingAsync(TimeSpan.Zero);

    [Fact(Timeout = 90_000)]
    public async Task A_flush_to_a_slow_Loki_takes_the_time_it_needs_within_the_grace()
    {
        // Longer than System.CommandLine's own termination timeout (2 s), which must not end the process first.
        var delay = TimeSpan.FromSeconds(5);
        var afterSignal = await SignalAfterReadingAsync(delay);
        Assert.True(afterSignal >= delay, $"the process exited {afterSignal.TotalSeconds:0.0} s after SIGTERM, before Loki could answer the flush");
    }

    /// <summary>
    /// Runs the executable against one pod's 40 lines with a BATCH_TIMEOUT longer than the test, sends SIGTERM once
    /// every line is read (Loki then answering after <paramref name="lokiDelay"/>), checks that the flush delivered
    /// them and the exit code is 0, and returns how long after the signal the process exited.
    /// </summary>
    private static async Task<TimeSpan> SignalAfterReadingAsync(TimeSpan lokiDelay)
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync();
        await using var loki = await LokiDouble.StartAsync();
        var directory = Directory.CreateTempSubdirectory("aggregator-process-");
        try
        {
            WriteFortyLines(kubernetes);
            // A batch timeout far longer than the test: only the shutdown flush can deliver these lines.
            using var aggregator = Executable.Start(kubernetes, directory, ("LOKI_URL", loki.BaseUri.ToString()), ("BATCH_TIMEOUT", "600"));

            await AggregatorUnderTest.Eventually(() => aggregator.Output.Any(l => l.Contains("Tailing shop/web-0/app", StringComparison.Ordinal)), "the aggregator tails the pod");
            await AggregatorUnderTest.Eventually(() => kubernetes.OpenLogStreamCount == 1, "the log stream is open");
            // An open stream is not yet a read one: wait until the aggregator counts every line read, or a SIGTERM
            // before the read would leave nothing to flush.
            await AggregatorUnderTest.Eventually(() => aggregator.Output.Any(l => MetricsPort().IsMatch(l)), "the metrics endpoint listens");
            var port = aggregator.Output.Select(l => MetricsPort().Match(l)).First(m => m.Success).Groups[1].Value;
            using var http = new HttpClient();
            await AggregatorUnderTest.Eventually(
                async () => (await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"))).Contains("aggregator_lines_read_total{namespace=\"shop\"} 40", StringComparison.Ordinal),
                "the aggregator has read all 40 lines");
            loki.ResponseDelay = lokiDelay;
            var signalled = Stopwatch.StartNew();
            await aggregator.TerminateAsync();
            var afterSignal = signalled.Elapsed;
            Assert.True(aggregator.Process.ExitCode == 0, $"exit code {aggregator.Process.ExitCode}; the aggregator wrote: " + aggregator.Transcript);
            var flushed = aggregator.Output.Select(l => Flushed().Match(l)).SingleOrDefault(m => m.Success);
            Assert.True(flushed is not null, aggregator.Transcript);
            var entries = int.Parse(flushed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(40, entries);
            Assert.Equal(40, loki.EntryCount);
            // Only a process of its own shows whether its client reads pods trimmed: a test process has used the
            // library's JSON options, and fixed them, long before.
            Assert.DoesNotContain(aggregator.Output, l => l.Contains("every watched pod is held whole", StringComparison.Ordinal));
            return afterSignal;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Without_a_Loki_URL_standard_output_carries_only_the_entries_through_shutdown()
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync();
        var directory = Directory.CreateTempSubdirectory("aggregator-process-");
        try
        {
            WriteFortyLines(kubernetes);
            using var aggregator = Executable.Start(kubernetes, directory, ("LOKI_URL", null), ("BATCH_TIMEOUT", "0.2"));

            await AggregatorUnderTest.Eventually(() => aggregator.StandardOutput.Count(l => l.Length > 0) >= 40, "the 40 entries are written");
            await aggregator.TerminateAsync();

            Assert.True(aggregator.Process.ExitCode == 0, $"exit code {aggregator.Process.ExitCode}: {aggregator.Transcript}");
            // The aggregator's own messages, Akka's last words at shutdown among them, belong on standard error.
            var lines = aggregator.StandardOutput.Where(l => l.Length > 0).ToList();
            Assert.True(lines.All(l => l.StartsWith('{') && System.Text.Json.JsonDocument.Parse(l).RootElement.TryGetProperty("line", out _)), aggregator.Transcript);
            Assert.Equal(40, lines.Count);
            // Where the entries go is said once at start, on standard error: inside a pod, standard output reaches no one.
            Assert.Contains(aggregator.StandardError, l => l.Contains("Shipping entries to standard output as JSON lines (LOKI_URL is not set)", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task With_LOG_FORMAT_json_every_line_of_the_aggregators_own_log_is_JSON_through_shutdown()
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync();
        var directory = Directory.CreateTempSubdirectory("aggregator-process-");
        try
        {
            WriteFortyLines(kubernetes);
            using var aggregator = Executable.Start(kubernetes, directory, ("LOKI_URL", null), ("BATCH_TIMEOUT", "0.2"), ("LOG_FORMAT", "json"));

            await AggregatorUnderTest.Eventually(() => aggregator.StandardOutput.Count(l => l.Length > 0) >= 40, "the 40 entries are written");
            await aggregator.TerminateAsync();

            Assert.True(aggregator.Process.ExitCode == 0, $"exit code {aggregator.Process.ExitCode}: {aggregator.Transcript}");
            // Akka's last words at shutdown, written after its loggers stopped, among them.
            var log = aggregator.StandardError.Where(l => l.Length > 0).ToList();
            Assert.Contains(log, l => l.Contains("CoordinatedShutdown", StringComparison.Ordinal));
            Assert.All(log, l => Assert.Equal(System.Text.Json.JsonValueKind.Object, System.Text.Json.JsonDocument.Parse(l).RootElement.ValueKind));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void WriteFortyLines(KubernetesApiDouble kubernetes)
    {
        kubernetes.CreatePod("shop", "web-0", ["app"]);
        kubernetes.StartPod("shop", "web-0");
        for (var i = 0; i < 40; i++)
        {
            kubernetes.WriteLine("shop", "web-0", "app", $"line {i}");
        }
    }

    /// <summary>The executable running <c>run</c> on namespace shop, with both its output streams captured.</summary>
    private static class Executable
    {
        /// <summary>Starts it; a null value removes that variable from what this process passes on.</summary>
        public static RunningExecutable Start(KubernetesApiDouble kubernetes, DirectoryInfo directory, params (string Name, string? Value)[] environment)
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), "run"])
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["NAMESPACE"] = "shop";
            start.Environment["KUBECONFIG"] = kubernetes.WriteKubeconfig(Path.Combine(directory.FullName, "kubeconfig"));
            start.Environment["POD_NAME"] = "aggregator-0";
            // Free ports, so that another aggregator on this machine cannot be in the way.
            start.Environment["ADMIN_PORT"] = "0";
            start.Environment["METRICS_PORT"] = "0";
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            return new RunningExecutable(Process.Start(start)!);
        }
    }

    [GeneratedRegex(@"Everything read was delivered before shutdown \((\d+) entries\)")]
    private static partial Regex Flushed();

    [GeneratedRegex(@"Metrics endpoint listening on http://[^ ]*:(\d+)")]
    private static partial Regex MetricsPort();
}
