namespace Aggregator.Tests.Pipeline;

/// <summary>A clock that moves only when a test moves it, so ages are exact and no test sleeps.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public ManualClock()
        : this(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public DateTimeOffset Now { get; private set; } = now;

    /// <summary>The clock's time in Unix nanoseconds, the unit of kubelet timestamps.</summary>
    public long NowNanos => (Now.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public void Advance(TimeSpan by) => Now += by;

    public override DateTimeOffset GetUtcNow() => Now;
}
