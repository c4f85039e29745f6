using System.Diagnostics;

namespace Aggregator.Benchmarks;

/// <summary>
/// How fast a run's lines arrived (in Loki, or read by the raw baseline) between the moments a tenth and nine tenths of them had.
/// </summary>
/// <remarks>
/// The run's average also holds the tails' start (opening streams, compiling the hot paths) and, at the end, the
/// last partial batches waiting BATCH_TIMEOUT for lines that never come: about a second whatever the run's size,
/// which in a run of a few seconds is a large part of it. A load that goes on has neither; this is its rate.
/// </remarks>
public sealed class SustainedRate(long total)
{
    /// <summary>The share of the lines that must have arrived where the measured window starts.</summary>
    public const double FromShare = 0.1;

    /// <summary>The share of the lines that must have arrived where the measured window ends.</summary>
    public const double ToShare = 0.9;

    private readonly Lock _gate = new();
    private TimeSpan? _first;
    private (TimeSpan At, long Lines)? _from;
    private (TimeSpan At, long Lines)? _to;

    /// <summary>Lines per second inside the window; null until both ends were sampled apart.</summary>
    public double? LinesPerSecond
    {
        get
        {
            lock (_gate)
            {
                return _from is { } from && _to is { } to && to.At > from.At && to.Lines > from.Lines
                    ? (to.Lines - from.Lines) / (to.At - from.At).TotalSeconds
                    : null;
            }
        }
    }

    /// <summary>When the first line, a tenth and nine tenths of them had arrived, as far as sampled.</summary>
    public (TimeSpan? First, TimeSpan? Tenth, TimeSpan? NineTenths) Milestones
    {
        get
        {
            lock (_gate)
            {
                return (_first, _from?.At, _to?.At);
            }
        }
    }

    /// <summary>
    /// Samples <paramref name="arrived"/> every 10 ms until <paramref name="cancellation"/> fires, then once more. At a
    /// million lines a second a push lands about that often, so the window's ends are that sharp.
    /// </summary>
    public async Task SampleAsync(Func<long> arrived, Stopwatch clock, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false))
            {
                Sample(clock.Elapsed, arrived());
            }
        }
        catch (OperationCanceledException)
        {
            // Every line arrived.
        }

        Sample(clock.Elapsed, arrived());
    }

    /// <summary>Records that <paramref name="lines"/> had arrived by <paramref name="at"/>; samples come in time order.</summary>
    public void Sample(TimeSpan at, long lines)
    {
        lock (_gate)
        {
            if (_first is null && lines > 0)
            {
                _first = at;
            }

            if (_from is null && lines >= total * FromShare)
            {
                _from = (at, lines);
            }

            if (_to is null && lines >= total * ToShare)
            {
                _to = (at, lines);
            }
        }
    }
}
