using System.Globalization;
using System.Text.RegularExpressions;
using Aggregator.Simulation;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The README's first command, <c>aggregator demo</c>, as a newcomer runs it.</summary>
public sealed partial class DemoCommandTests
{
    [Fact(Timeout = 120_000)]
    public async Task The_demo_ships_every_line_exactly_once_and_prints_only_its_own_report()
    {
        var (exitCode, standardOutput, everything) = await RunDemoAsync(lokiUrl: null);
        var lines = standardOutput.Split('\n', StringSplitOptions.TrimEntries);

        Assert.True(exitCode == 0, $"exit code {exitCode}:{Environment.NewLine}{everything}");
        Assert.Contains(lines, l => l.StartsWith("Every one of the ", StringComparison.Ordinal) && l.Contains("exactly once", StringComparison.Ordinal));
        // At the demo's Warning level nothing of Akka's Info reaches the output, not even what it logs after its loggers stop.
        Assert.DoesNotContain(lines, l => AkkaLine().IsMatch(l));
        var states = lines.Select(l => Progress().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.True(states.Count >= 2 && states[^1] != states[^2], "the last progress line was printed twice:" + Environment.NewLine + everything);
    }

    [Fact(Timeout = 120_000)]
    public async Task With_a_LOKI_URL_where_nothing_listens_the_demo_gives_up_and_says_how_much_was_shipped()
    {
        // Below the ephemeral range: no double of a test running beside this one, bound at port 0, can be there.
        var port = LoopbackPorts.Reserve();

        var (exitCode, standardOutput, everything) = await RunDemoAsync($"http://127.0.0.1:{port}");

        Assert.True(exitCode == 1, $"exit code {exitCode}:{Environment.NewLine}{everything}");
        Assert.Contains($"only 0 shipped to http://127.0.0.1:{port}/loki/api/v1/push", standardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("See them in Grafana", standardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task SIGTERM_stops_the_workload_at_once_and_the_demo_says_it_was_interrupted_and_exits_143()
    {
        // Far longer than the test: only the signal can end this demo in time.
        using var demo = ExecutableRun.Start(["demo", "--duration", "600"]);
        // Some lines shipped already, so that the summary has a count to say.
        await AggregatorUnderTest.Eventually(() => demo.StandardOutput.Any(l => Shipped(l) > 0), "a progress line with lines shipped", timeoutSeconds: 60);
        var shippedBefore = demo.StandardOutput.Max(Shipped);

        await demo.SignalAsync("TERM");

        Assert.True(await demo.ExitedWithinAsync(TimeSpan.FromSeconds(30)), "still running 30 s after SIGTERM:" + Environment.NewLine + demo.Transcript);
        Assert.True(demo.Process.ExitCode == 143, $"exit code {demo.Process.ExitCode}:{Environment.NewLine}{demo.Transcript}");
        var summary = demo.StandardOutput.Select(l => Interrupted().Match(l)).SingleOrDefault(m => m.Success);
        Assert.True(summary is not null, demo.Transcript);
        Assert.InRange(long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture), shippedBefore, long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotContain(demo.StandardOutput, l => l.Contains("did not reach", StringComparison.Ordinal) || l.Contains("missing", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(demo.StandardError, l => l.StartsWith("aggregator demo: SIGTERM: stopping the workload", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_second_SIGTERM_ends_the_demo_without_waiting_for_the_flush()
    {
        // Where nothing listens: the flush after the first signal goes on for the whole 5 s grace.
        using var demo = ExecutableRun.Start(
            ["demo", "--duration", "600"], new Dictionary<string, string> { ["LOKI_URL"] = $"http://127.0.0.1:{LoopbackPorts.Reserve()}" });
        await AggregatorUnderTest.Eventually(() => demo.StandardOutput.Any(l => Progress().IsMatch(l)), "the first progress line", timeoutSeconds: 60);
        var firstSignal = System.Diagnostics.Stopwatch.StartNew();
        await demo.SignalAsync("TERM");
        await AggregatorUnderTest.Eventually(() => demo.StandardError.Any(l => l.Contains("stopping the workload", StringComparison.Ordinal)), "the demo stopping");

        await demo.SignalAsync("TERM");

        Assert.True(await demo.ExitedWithinAsync(TimeSpan.FromSeconds(30)), "still running 30 s after the second SIGTERM:" + Environment.NewLine + demo.Transcript);
        // The flush cannot end sooner than the grace after the first signal: an exit before that did not wait for it.
        Assert.True(firstSignal.Elapsed < TimeSpan.FromSeconds(5), $"exited {firstSignal.Elapsed.TotalSeconds:0.0} s after the first SIGTERM, once the 5 s flush had ended");
        // Ended by the signal: 128 + 15.
        Assert.True(demo.Process.ExitCode == 143, $"exit code {demo.Process.ExitCode}:{Environment.NewLine}{demo.Transcript}");
        Assert.DoesNotContain(demo.StandardOutput, l => l.StartsWith("Interrupted by", StringComparison.Ordinal));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("ADMIN_PORT", "admin endpoint")]
    [InlineData("METRICS_PORT", "metrics endpoint")]
    public async Task A_port_another_process_holds_stops_the_demo_with_one_line_and_no_stack_trace(string variable, string endpoint)
    {
        // Held for the test's length: the port another process listens on.
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exitCode, standardOutput, standardError) = await ExecutableRun.RunAsync(
            ["demo", "--duration", "3"], environment: new Dictionary<string, string> { [variable] = port });

        Assert.True(exitCode == 1, $"exit code {exitCode}:{Environment.NewLine}{standardOutput}{standardError}");
        Assert.Equal(string.Empty, standardOutput);
        var error = standardError.TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith($"aggregator: the {endpoint} cannot listen on 127.0.0.1:{port} (", error, StringComparison.Ordinal);
        Assert.EndsWith($"; {variable} sets another port", error, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>aggregator demo --duration 3</c>, shipping to <paramref name="lokiUrl"/> or else to its own Loki double.</summary>
    private static async Task<(int ExitCode, string StandardOutput, string Everything)> RunDemoAsync(string? lokiUrl)
    {
        var (exitCode, standardOutput, standardError) = await ExecutableRun.RunAsync(
            ["demo", "--duration", "3"], environment: lokiUrl is null ? null : new Dictionary<string, string> { ["LOKI_URL"] = lokiUrl });
        return (exitCode, standardOutput, standardOutput + standardError);
    }

    private static long Shipped(string line) =>
        Progress().IsMatch(line) && ShippedCount().Match(line) is { Success: true } shipped ? long.Parse(shipped.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"shipped\s+(\d+)")]
    private static partial Regex ShippedCount();

    [GeneratedRegex(@"^Interrupted by SIGTERM: (\d+) lines written, (\d+) shipped to the Loki double before the aggregator stopped\.$")]
    private static partial Regex Interrupted();

    [GeneratedRegex(@"^\[(DEBUG|INFO|WARNING|ERROR)\]")]
    private static partial Regex AkkaLine();

    [GeneratedRegex(@"^\s*\d+\.\ds  (written .*)$")]
    private static partial Regex Progress();
}
