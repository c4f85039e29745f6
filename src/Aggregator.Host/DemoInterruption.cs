using System.Runtime.InteropServices;

namespace Aggregator.Host;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM while the demo runs: the first stops the workload, so that the aggregator can flush
/// what it read and the demo can say how far it got; a second ends the process at once, as the signal would have.
/// </summary>
internal sealed class DemoInterruption : IDisposable
{
    private readonly CancellationTokenSource _interrupted;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;
    private PosixSignal? _signal;

    /// <param name="cancellation">The caller's own cancellation, which interrupts the demo as Ctrl+C does.</param>
    public DemoInterruption(CancellationToken cancellation)
    {
        _interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _interrupted.Token;

    /// <summary>Whether the demo was interrupted.</summary>
    public bool Interrupted => _interrupted.IsCancellationRequested;

    /// <summary>The signal that interrupted the demo, in the words of a shell.</summary>
    public string Cause => _signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl+C";

    /// <summary>
    /// 128 plus the signal's number, as a shell reports a process the signal ended: 143 for SIGTERM, 130 for Ctrl+C.
    /// Not 0, so that <c>demo &amp;&amp; …</c> does not go on as if the demo had shown everything.
    /// </summary>
    public int ExitCode => _signal == PosixSignal.SIGTERM ? 143 : 130;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _interrupted.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            // Someone who asks twice does not want to wait for the flush: the signal does what it does by default.
            return;
        }

        context.Cancel = true;
        _signal = context.Signal;
        Console.Error.WriteLine($"aggregator demo: {Cause}: stopping the workload and flushing what was read ({Cause} again stops at once)");
        // Off the signal's thread: the workload's and the progress loop's continuations run on cancellation.
        _ = _interrupted.CancelAsync();
    }
}
