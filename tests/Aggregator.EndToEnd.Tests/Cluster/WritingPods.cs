using System.Collections.Concurrent;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary>
/// Pods in the Kubernetes double that keep writing until stopped, and a sampler of the open log requests: two
/// open requests for one container at the same moment are two readers.
/// </summary>
public sealed class WritingPods : IAsyncDisposable
{
    private readonly KubernetesApiDouble _kubernetes;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _overlaps = new();
    private readonly Task _writer;
    private readonly Task _sampler;

    private WritingPods(KubernetesApiDouble kubernetes, (string Namespace, string Pod, string Container)[] streams)
    {
        _kubernetes = kubernetes;
        Streams = streams;
        _writer = Task.Run(WriteAsync);
        _sampler = Task.Run(SampleAsync);
    }

    /// <summary>Every container stream written to.</summary>
    public (string Namespace, string Pod, string Container)[] Streams { get; }

    /// <summary>The containers seen with two open log requests at once.</summary>
    public IReadOnlyCollection<string> Overlaps => _overlaps;

    /// <summary>Creates and starts <paramref name="pods"/> pods with <paramref name="containers"/> in <paramref name="ns"/>, and starts writing.</summary>
    public static WritingPods Start(KubernetesApiDouble kubernetes, string ns, int pods, params string[] containers)
    {
        var names = Enumerable.Range(0, pods).Select(i => $"web-{i}").ToArray();
        foreach (var pod in names)
        {
            kubernetes.CreatePod(ns, pod, containers, new Dictionary<string, string> { ["app"] = "web" });
            kubernetes.StartPod(ns, pod);
        }

        return new WritingPods(kubernetes, [.. from pod in names from container in containers select (ns, pod, container)]);
    }

    /// <summary>Lines written so far, by stream.</summary>
    public Dictionary<(string Namespace, string Pod, string Container), int> WrittenSoFar() =>
        Streams.ToDictionary(s => s, s => _kubernetes.LogOf(s.Namespace, s.Pod, s.Container).Count);

    /// <summary>
    /// True when, for every stream, Loki holds a line written after <paramref name="mark"/> (the counts of
    /// <see cref="WrittenSoFar"/> at some moment): each stream has shipped again since then.
    /// </summary>
    public bool AllShippedSince(LokiDouble loki, Dictionary<(string Namespace, string Pod, string Container), int> mark) =>
        Streams.All(s =>
        {
            var since = _kubernetes.LogOf(s.Namespace, s.Pod, s.Container).Skip(mark[s]).Select(r => (r.TimestampNanos, r.Line)).ToHashSet();
            return since.Count > 0 && loki.EntriesOf(new Dictionary<string, string> { ["namespace"] = s.Namespace, ["pod"] = s.Pod, ["container"] = s.Container })
                .Any(e => since.Contains((e.TimestampNanos, e.Line)));
        });

    /// <summary>Stops writing and sampling.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writer, _sampler);
    }

    /// <summary>Stops writing, if not yet stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task WriteAsync()
    {
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            foreach (var (ns, pod, container) in Streams)
            {
                _kubernetes.WriteLine(ns, pod, container, $"line {n} of {pod}/{container}", n % 3 == 2 ? "stderr" : "stdout");
            }

            await Task.Delay(10);
        }
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var overlap in _kubernetes.OpenLogStreams.GroupBy(s => s).Where(g => g.Count() > 1))
            {
                _overlaps.Enqueue(overlap.Key.ToString());
            }

            await Task.Delay(5);
        }
    }
}
