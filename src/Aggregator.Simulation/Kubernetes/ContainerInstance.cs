using System.Security.Cryptography;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// One run of a container (one containerID) and its log file. A restart creates a new instance;
/// the old one keeps its log so that <c>previous=true</c> can still read it.
/// </summary>
internal sealed class ContainerInstance
{
    private readonly Lock gate = new();
    private readonly List<LogChunk> chunks = [];
    private long lastTimestamp;
    private TaskCompletionSource changed = NewSignal();

    public ContainerInstance(DateTime startedAt)
    {
        ContainerId = "containerd://" + RandomNumberGenerator.GetHexString(64, lowercase: true);
        StartedAt = startedAt;
    }

    public string ContainerId { get; }

    public DateTime StartedAt { get; }

    public DateTime? FinishedAt { get; private set; }

    public int? ExitCode { get; private set; }

    public string? TerminationReason { get; private set; }

    public bool IsTerminated
    {
        get
        {
            lock (gate)
            {
                return ExitCode is not null;
            }
        }
    }

    /// <summary>
    /// The timestamp for a new line: the requested one, or the wall clock nudged past the previous line
    /// so that every default-stamped line of an instance is distinct.
    /// </summary>
    public long NextTimestamp(long? requested, long nowNanos)
    {
        lock (gate)
        {
            var timestamp = requested ?? Math.Max(nowNanos, lastTimestamp + 1);
            lastTimestamp = Math.Max(lastTimestamp, timestamp);
            return timestamp;
        }
    }

    public void Append(IReadOnlyList<LogChunk> written)
    {
        lock (gate)
        {
            if (ExitCode is not null)
            {
                throw new InvalidOperationException($"Container {ContainerId} has terminated; it cannot write.");
            }

            chunks.AddRange(written);
            Signal();
        }
    }

    public void Terminate(int exitCode, DateTime finishedAt)
    {
        lock (gate)
        {
            if (ExitCode is not null)
            {
                return;
            }

            ExitCode = exitCode;
            TerminationReason = exitCode == 0 ? "Completed" : "Error";
            FinishedAt = finishedAt;
            Signal();
        }
    }

    /// <summary>Everything from <paramref name="fromIndex"/> on, with the termination flag taken at the same instant.</summary>
    public LogReadResult Read(int fromIndex)
    {
        lock (gate)
        {
            var start = Math.Min(fromIndex, chunks.Count);
            return new LogReadResult(chunks.GetRange(start, chunks.Count - start), chunks.Count, ExitCode is not null, changed.Task);
        }
    }

    public int ChunkCount
    {
        get
        {
            lock (gate)
            {
                return chunks.Count;
            }
        }
    }

    private void Signal()
    {
        var previous = changed;
        changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
