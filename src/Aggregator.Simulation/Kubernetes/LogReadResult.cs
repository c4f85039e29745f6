namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// What a log reader sees of an instance at one instant: the records it has not read yet,
/// whether the instance had ended by then, and a task that completes on the next change.
/// </summary>
internal sealed record LogReadResult(IReadOnlyList<LogChunk> Chunks, int NextIndex, bool Terminated, Task Changed);
