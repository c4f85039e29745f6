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
