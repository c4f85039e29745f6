using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Aggregator.EndToEnd.Tests;

/// <summary>Runs the aggregator executable to its end, as someone would from a shell, and keeps what it wrote.</summary>
internal static class ExecutableRun
{
    // The machine's own settings, which would point the executable at its cluster, its Loki or its ports.
    private static readonly string[] MachineSettings = ["LOKI_URL", "ADMIN_PORT", "METRICS_PORT", "NAMESPACE", "KUBECONFIG"];

    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        string[] arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(arguments, workingDirectory, environment))!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, standardOutput, await standardError);
    }

    /// <summary>Starts the executable and returns at once, for a test that acts on it while it runs.</summary>
    public static RunningExecutable Start(string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        new(Process.Start(StartInfo(arguments, workingDirectory: null, environment))!);

    private static ProcessStartInfo StartInfo(string[] arguments, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
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

        return start;
    }
}

/// <summary>The executable while it runs, with what it has written so far, line by line.</summary>
internal sealed class RunningExecutable : IDisposable
{
    public RunningExecutable(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => StandardOutput.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => StandardError.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public ConcurrentQueue<string> StandardOutput { get; } = new();

    public ConcurrentQueue<string> StandardError { get; } = new();

    public IEnumerable<string> Output => StandardOutput.Concat(StandardError);

    public string Transcript => string.Join(Environment.NewLine, StandardOutput.Concat(["-- standard error --"]).Concat(StandardError));

    /// <summary>Sends <paramref name="signal"/> (TERM, INT) as a shell's <c>kill</c> does; Process.Kill would send SIGKILL.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM, as Kubernetes does to stop a pod, and waits for the process to exit.</summary>
    public async Task TerminateAsync()
    {
        await SignalAsync("TERM");
        await Process.WaitForExitAsync();
    }

    /// <summary>Whether it exited within <paramref name="limit"/>; the output is complete once it has.</summary>
    public async Task<bool> ExitedWithinAsync(TimeSpan limit)
    {
        try
        {
            await Process.WaitForExitAsync().WaitAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills it if a failed test left it running.</summary>
    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
