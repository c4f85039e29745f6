using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The README's first command, <c>aggregator demo</c>, as a newcomer runs it.</summary>
public sealed partial class DemoCommandTests
{
    [Fact(Timeout = 120_000)]
    public async Task The_demo_ships_every_line_exactly_once_and_prints_only_its_own_report()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), "demo", "--duration", "3"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The demo's own Loki double and free ports, whatever the machine running the tests has set.
        foreach (var variable in new[] { "LOKI_URL", "ADMIN_PORT", "METRICS_PORT", "NAMESPACE", "KUBECONFIG" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = standardOutput.Split('\n', StringSplitOptions.TrimEntries);
        var everything = standardOutput + await standardError;

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:{Environment.NewLine}{everything}");
        Assert.Contains(lines, l => l.StartsWith("Every one of the ", StringComparison.Ordinal) && l.Contains("exactly once", StringComparison.Ordinal));
        // At the demo's Warning level nothing of Akka's Info reaches the output, not even what it logs after its loggers stop.
        Assert.DoesNotContain(lines, l => AkkaLine().IsMatch(l));
        var states = lines.Select(l => Progress().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.True(states.Count >= 2 && states[^1] != states[^2], "the last progress line was printed twice:" + Environment.NewLine + everything);
    }

    [GeneratedRegex(@"^\[(DEBUG|INFO|WARNING|ERROR)\]")]
    private static partial Regex AkkaLine();

    [GeneratedRegex(@"^\s*\d+\.\ds  (written .*)$")]
    private static partial Regex Progress();
}
