namespace Aggregator.Simulation;

/// <summary>
/// The wall clock shifted by an offset that a test moves, so that a simulated workload can live through seconds
/// or hours without the test waiting for them. It only ever moves forward.
/// </summary>
public sealed class SimulatedClock(TimeSpan offset) : TimeProvider
{
    private long _offsetTicks = offset.Ticks;

    /// <summary>How far the clock is ahead of (or, when negative, behind) the real one.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
