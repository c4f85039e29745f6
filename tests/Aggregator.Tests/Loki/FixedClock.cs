namespace Aggregator.Tests.Loki;

/// <summary>A clock that always says the same time, for the Loki double's "too old" and "too new" checks.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; } = now;

    /// <summary>The clock's time in Unix nanoseconds.</summary>
    public long NowNanos => (Now.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public override DateTimeOffset GetUtcNow() => Now;
}
