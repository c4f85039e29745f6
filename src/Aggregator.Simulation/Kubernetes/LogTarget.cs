namespace Aggregator.Simulation.Kubernetes;

/// <summary>The outcome of choosing which log a pods/log request reads: an instance, or the error the servers answer.</summary>
internal sealed record LogTarget(string? Container, ContainerInstance? Instance, ApiStatus? Failure);
