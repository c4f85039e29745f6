namespace Aggregator.Actors.Loki;

/// <summary>Sends one batch somewhere (Loki, or standard output when no Loki is configured) and says how it went.</summary>
public interface ILogShipper
{
    /// <summary>One attempt; retrying is the caller's decision. Expected failures come back as outcomes, not exceptions.</summary>
    Task<ShipOutcome> ShipAsync(PushBatch batch, CancellationToken cancellationToken);

    /// <summary>Where batches go, for log messages.</summary>
    string Destination { get; }
}
