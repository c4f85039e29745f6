namespace Aggregator.Simulation.Tests.Loki;

/// <summary>A clock that always says the same time, for the Loki double's "too old" and "too new" checks.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
