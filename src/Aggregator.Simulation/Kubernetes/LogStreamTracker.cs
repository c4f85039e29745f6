using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>The log responses being streamed right now, so that tests can count them or cut them.</summary>
internal sealed class LogStreamTracker
{
    private readonly ConcurrentDictionary<long, OpenLogStream> open = new();
    private long nextId;

    public int Count => open.Count;

    public IDisposable Track(string ns, string pod, string container, HttpContext context)
    {
        var id = Interlocked.Increment(ref nextId);
        open[id] = new OpenLogStream(ns, pod, container, context);
        return new Registration(() => open.TryRemove(id, out _));
    }

    /// <summary>Aborts matching responses mid-body, as a cut connection: the client sees an error, not an end.</summary>
    public void Sever(string? ns, string? pod, string? container)
    {
        foreach (var stream in open.Values)
        {
            if ((ns is null || stream.Namespace == ns)
                && (pod is null || stream.Pod == pod)
                && (container is null || stream.Container == container))
            {
                stream.Context.Abort();
            }
        }
    }

    private sealed record OpenLogStream(string Namespace, string Pod, string Container, HttpContext Context);

    private sealed class Registration(Action release) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                release();
            }
        }
    }
}
