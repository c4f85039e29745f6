using System.Diagnostics;

namespace Aggregator.EndToEnd.Tests;

/// <summary>Runs the aggregator executable to its end, as someone would from a shell, and keeps what it wrote.</summary>
internal static class ExecutableRun
{
    // The machine's own settings, which would point the executable at its cluster, its Loki or its ports.
    private static readonly string[] MachineSettings = ["LOKI_URL", "ADMIN_PORT", "METRICS_PORT", "NAMESPACE", "KUBECONFIG"];

    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        string[] arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var variable in MachineSettings)
        {
            start.Environment.Remove(variable);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, standardOutput, await standardError);
    }
}
