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
            kubernetes.CreatePod("shop", "web-0", ["app"]);
            kubernetes.StartPod("shop", "web-0");
            for (var i = 0; i < 40; i++)
            {
                kubernetes.WriteLine("shop", "web-0", "app", $"line {i}");
            }

            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), "run"])
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["NAMESPACE"] = "shop";
            start.Environment["LOKI_URL"] = loki.BaseUri.ToString();
            // A batch timeout far longer than the test: only the shutdown flush can deliver these lines.
            start.Environment["BATCH_TIMEOUT"] = "600";
            start.Environment["KUBECONFIG"] = kubernetes.WriteKubeconfig(Path.Combine(directory.FullName, "kubeconfig"));
            start.Environment["POD_NAME"] = "aggregator-0";
            // Free ports, so that another aggregator on this machine cannot be in the way.
            start.Environment["ADMIN_PORT"] = "0";
            start.Environment["METRICS_PORT"] = "0";
            using var process = Process.Start(start)!;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
            process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            await AggregatorUnderTest.Eventually(() => output.Any(l => l.Contains("Tailing shop/web-0/app", StringComparison.Ordinal)), "the aggregator tails the pod");
            await AggregatorUnderTest.Eventually(() => kubernetes.OpenLogStreamCount == 1, "the log stream is open");
            // An open stream is not yet a read one: wait until the aggregator counts every line read, or a SIGTERM
            // before the read would leave nothing to flush.
            await AggregatorUnderTest.Eventually(() => output.Any(l => MetricsPort().IsMatch(l)), "the metrics endpoint listens");
            var port = output.Select(l => MetricsPort().Match(l)).First(m => m.Success).Groups[1].Value;
            using var http = new HttpClient();
            await AggregatorUnderTest.Eventually(
                async () => (await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"))).Contains("aggregator_lines_read_total{namespace=\"shop\"} 40", StringComparison.Ordinal),
                "the aggregator has read all 40 lines");
            loki.ResponseDelay = lokiDelay;
            var signalled = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync();
            var afterSignal = signalled.Elapsed;
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; the aggregator wrote: " + string.Join(Environment.NewLine, output));
            var flushed = output.Select(l => Flushed().Match(l)).SingleOrDefault(m => m.Success);
            Assert.True(flushed is not null, string.Join(Environment.NewLine, output));
            var entries = int.Parse(flushed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(40, entries);
            Assert.Equal(40, loki.EntryCount);
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
            kubernetes.CreatePod("shop", "web-0", ["app"]);
            kubernetes.StartPod("shop", "web-0");
            for (var i = 0; i < 40; i++)
            {
                kubernetes.WriteLine("shop", "web-0", "app", $"line {i}");
            }

            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), "run"])
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment.Remove("LOKI_URL");
            start.Environment["NAMESPACE"] = "shop";
            start.Environment["BATCH_TIMEOUT"] = "0.2";
            start.Environment["KUBECONFIG"] = kubernetes.WriteKubeconfig(Path.Combine(directory.FullName, "kubeconfig"));
            start.Environment["POD_NAME"] = "aggregator-0";
            start.Environment["ADMIN_PORT"] = "0";
            start.Environment["METRICS_PORT"] = "0";
            using var process = Process.Start(start)!;
            var standardOutput = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var standardError = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => standardOutput.Enqueue(e.Data ?? string.Empty);
            process.ErrorDataReceived += (_, e) => standardError.Enqueue(e.Data ?? string.Empty);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            await AggregatorUnderTest.Eventually(() => standardOutput.Count(l => l.Length > 0) >= 40, "the 40 entries are written");
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync();
            var everything = string.Join(Environment.NewLine, standardOutput.Concat(["-- stderr --"]).Concat(standardError));
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {everything}");
            // The aggregator's own messages, Akka's last words at shutdown among them, belong on standard error.
            var lines = standardOutput.Where(l => l.Length > 0).ToList();
            Assert.True(lines.All(l => l.StartsWith('{') && System.Text.Json.JsonDocument.Parse(l).RootElement.TryGetProperty("line", out _)), everything);
            Assert.Equal(40, lines.Count);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"Everything read was delivered before shutdown \((\d+) entries\)")]
    private static partial Regex Flushed();

    [GeneratedRegex(@"Metrics endpoint listening on http://[^ ]*:(\d+)")]
    private static partial Regex MetricsPort();
}
