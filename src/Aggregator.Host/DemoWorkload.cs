using System.Globalization;
using Aggregator.Simulation.Kubernetes;

namespace Aggregator.Host;

/// <summary>
/// The demo's pods: they write lines at a steady rate and live through what real pods do — one starts Pending
/// and runs later, one container restarts, one pod is deleted — so the demo shows each of those handled.
/// </summary>
public sealed class DemoWorkload(KubernetesApiDouble kubernetes, string ns, DemoShape shape)
{
    private static readonly string[] ContainerNames = ["app", "sidecar", "worker", "proxy", "metrics", "cache"];
    private readonly Dictionary<string, int> _sequence = [];
    private int _written;

    /// <summary>Lines written so far.</summary>
    public int Written => Volatile.Read(ref _written);

    /// <summary>The last lifecycle event, for the progress line.</summary>
    public string LastEvent { get; private set; } = string.Empty;

    /// <summary>Every (namespace, pod, container) stream of the workload.</summary>
    public IEnumerable<(string Namespace, string Pod, string Container)> Streams =>
        from pod in PodNames from container in Containers select (ns, pod, container);

    private IEnumerable<string> PodNames => Enumerable.Range(0, shape.Pods).Select(i => $"web-{i}");

    private IReadOnlyList<string> Containers =>
        [.. Enumerable.Range(0, shape.Containers).Select(i => i < ContainerNames.Length ? ContainerNames[i] : $"c{i}")];

    /// <summary>Writes for the demo's duration, with the lifecycle events spread over it.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        var running = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in PodNames)
        {
            kubernetes.CreatePod(ns, pod, Containers, new Dictionary<string, string> { ["app.kubernetes.io/name"] = "web", ["tier"] = "frontend" });
        }

        var late = shape.Pods > 1 ? $"web-{shape.Pods - 1}" : null;
        foreach (var pod in PodNames.Where(p => p != late))
        {
            kubernetes.StartPod(ns, pod);
            running.Add(pod);
        }

        var ticks = shape.Duration * 10;
        var restartAt = ticks / 2;
        var deleteAt = ticks * 3 / 4;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (var tick = 0; tick < ticks && await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false); tick++)
        {
            if (tick == 20 && late is not null)
            {
                kubernetes.StartPod(ns, late);
                running.Add(late);
                LastEvent = $"{late} went from Pending to Running";
            }

            if (tick == restartAt)
            {
                kubernetes.RestartContainer(ns, "web-0", Containers[0]);
                LastEvent = $"web-0/{Containers[0]} restarted";
            }

            if (tick == deleteAt && shape.Pods > 2)
            {
                kubernetes.DeletePod(ns, "web-1");
                running.Remove("web-1");
                LastEvent = "web-1 deleted";
            }

            var perTick = (shape.Rate * (tick + 1) / 10) - (shape.Rate * tick / 10);
            foreach (var pod in running)
            {
                foreach (var container in Containers)
                {
                    for (var i = 0; i < perTick; i++)
                    {
                        var key = $"{pod}/{container}";
                        var n = _sequence[key] = _sequence.GetValueOrDefault(key) + 1;
                        var stream = n % 10 == 0 ? "stderr" : "stdout";
                        var level = stream == "stderr" ? "warn" : "info";
                        kubernetes.WriteLine(ns, pod, container,
                            string.Create(CultureInfo.InvariantCulture, $"level={level} msg=\"request handled\" seq={n} pod={pod} container={container}"), stream);
                        Interlocked.Increment(ref _written);
                    }
                }
            }
        }
    }
}
