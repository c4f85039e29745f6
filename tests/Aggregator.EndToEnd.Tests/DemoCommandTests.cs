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

    [GeneratedRegex(@"^\[(DEBUG|INFO|WARNING|ERROR)\]")]
    private static partial Regex AkkaLine();

    [GeneratedRegex(@"^\s*\d+\.\ds  (written .*)$")]
    private static partial Regex Progress();
}
