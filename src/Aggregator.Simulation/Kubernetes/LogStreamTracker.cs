using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>The log responses being streamed right now, so that tests can count, cut, stall or resume them.</summary>
internal sealed class LogStreamTracker
{
    private readonly ConcurrentDictionary<long, TrackedLogStream> open = new();
    private long nextId;

    public int Count => open.Count;

    public int StalledCount => open.Values.Count(s => s.Snapshot().Stalled);

    /// <summary>The containers of the responses streamed right now, one entry per response.</summary>
    public IReadOnlyList<(string Namespace, string Pod, string Container)> Open() =>
        [.. open.Values.Select(s => (s.Namespace, s.Pod, s.Container))];

    /// <summary>Registers a response; disposing the result unregisters it.</summary>
    public TrackedLogStream Track(string ns, string pod, string container, bool follow, HttpContext context)
    {
        var id = Interlocked.Increment(ref nextId);
        var stream = new TrackedLogStream(ns, pod, container, follow, context, () => open.TryRemove(id, out _));
        open[id] = stream;
        return stream;
    }

    /// <summary>
    /// Aborts matching responses mid-body, as a cut connection: the client sees an error, not an end.
    /// With <paramref name="midLine"/>, a follow stream first sends the first half of its next record (see <see cref="TrackedLogStream.RequestMidLineSever"/>).
    /// </summary>
    public void Sever(string? ns, string? pod, string? container, bool midLine)
    {
        foreach (var stream in Matching(ns, pod, container))
        {
            if (midLine && stream.Follow)
            {
                stream.RequestMidLineSever();
            }
            else
            {
                stream.Context.Abort();
            }
        }
    }

    /// <summary>Stalls the matching follow streams open now; streams opened later are not affected.</summary>
    public void Stall(string? ns, string? pod, string? container)
    {
        foreach (var stream in Matching(ns, pod, container).Where(s => s.Follow))
        {
            stream.SetStalled(true);
        }
    }

    public void ResumeStalled()
    {
        foreach (var stream in open.Values)
        {
            stream.SetStalled(false);
        }
    }

    private IEnumerable<TrackedLogStream> Matching(string? ns, string? pod, string? container) =>
        open.Values.Where(s =>
            (ns is null || s.Namespace == ns)
            && (pod is null || s.Pod == pod)
            && (container is null || s.Container == container));
}

/// <summary>One log response being streamed, and the faults a test has asked of it.</summary>
internal sealed class TrackedLogStream(string ns, string pod, string container, bool follow, HttpContext context, Action release) : IDisposable
{
    private readonly Lock gate = new();
    private bool stalled;
    private bool severMidLine;
    private TaskCompletionSource changed = NewSignal();
    private int released;

    public string Namespace { get; } = ns;

    public string Pod { get; } = pod;

    public string Container { get; } = container;

    public bool Follow { get; } = follow;

    public HttpContext Context { get; } = context;

    /// <summary>The requested faults at one instant, and a task that completes on the next request.</summary>
    public StreamControl Snapshot()
    {
        lock (gate)
        {
            return new StreamControl(stalled, severMidLine, changed.Task);
        }
    }

    /// <summary>
    /// Asks the streaming loop to send the first half of its next unsent record (at once if it has one,
    /// otherwise as soon as the container writes one) and then to cut the connection.
    /// </summary>
    public void RequestMidLineSever()
    {
        lock (gate)
        {
            severMidLine = true;
            Signal();
        }
    }

    public void SetStalled(bool value)
    {
        lock (gate)
        {
            if (stalled != value)
            {
                stalled = value;
                Signal();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
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

/// <summary>What a test has asked of one log stream, at one instant.</summary>
internal readonly record struct StreamControl(bool Stalled, bool SeverMidLine, Task Changed);
