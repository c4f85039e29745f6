namespace Aggregator.Actors.Loki;

/// <summary>Asks the pusher to deliver a batch; answered with <see cref="PushCompleted"/> once it is delivered or refused for good.</summary>
public sealed record PushRequested(PushBatch Batch);

/// <summary>The batch is settled: delivered, or rejected by Loki (never dropped for a retryable failure).</summary>
public sealed record PushCompleted(int Entries, ShipResult Result);
