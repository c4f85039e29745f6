using System.Diagnostics;
using System.Globalization;
using Aggregator.Host;

namespace Aggregator.Benchmarks;

/// <summary>
/// The aggregator as its own process (<c>aggregator run</c>), so that its CPU time and memory are measured apart
/// from the doubles that feed it.
/// </summary>
public sealed class AggregatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private bool _disposed;

    private AggregatorProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The last lines the process wrote, for a failure report.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Starts <c>aggregator run</c> with these environment variables.</summary>
    public static AggregatorProcess Start(IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "aggregator.dll"), "run"])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // As the container image runs it; the run's own settings come after, and win.
        foreach (var (name, value) in ImageEnvironment.Variables.Concat(environment))
        {
            start.Environment[name] = value;
        }

        return new AggregatorProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the aggregator"));
    }

    /// <summary>CPU time the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            if (_process.HasExited)
            {
                return _lastCpu;
            }

            _process.Refresh();
            try
            {
                return _lastCpu = _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return _lastCpu;
            }
        }
    }

    private TimeSpan _lastCpu;

    /// <summary>The process's peak resident set (VmHWM), in MiB.</summary>
    public double PeakRssMiB()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Completes once the process has exited and its output has been read to the end.</summary>
    public Task WaitForExitAsync(CancellationToken cancellation) => _process.WaitForExitAsync(cancellation);

    /// <summary>Ends the process at once (SIGKILL), as a crash would: no leave, no hand-off, no flush.</summary>
    public void Kill() => _process.Kill();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200)
            {
                _output.RemoveAt(0);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
