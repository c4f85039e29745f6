using System.Text;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>Container output: writing lines, and choosing the log a request reads as the API server and kubelet do.</summary>
internal sealed partial class ClusterState
{
    private readonly Dictionary<(string Namespace, string Pod, string Container), List<LogRecord>> written = [];

    public long WriteLine(string ns, string name, string container, string line, string stream, long? timestampNanos, bool endsLine = true)
    {
        if (line.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A log line cannot contain a newline; write each line separately.", nameof(line));
        }

        if (stream is not ("stdout" or "stderr"))
        {
            throw new ArgumentException("The stream is stdout or stderr.", nameof(stream));
        }

        lock (gate)
        {
            var slot = SlotOrThrow(PodOrThrow(ns, name), container);
            var instance = slot.Running
                ?? throw new InvalidOperationException($"Container \"{container}\" of {ns}/{name} is not running; it cannot write.");
            var now = (options.Clock.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
            var timestamp = instance.NextTimestamp(timestampNanos, now);
            var parts = SplitAsRuntime(Encoding.UTF8.GetBytes(line), timestamp, stream, endsLine);
            // The runtime stamps each record as it writes it: the later ones of a long line take the nanoseconds after.
            instance.NextTimestamp(timestamp + parts.Count - 1, now);
            instance.Append(parts);
            if (!written.TryGetValue((ns, name, container), out var records))
            {
                written[(ns, name, container)] = records = [];
            }

            records.Add(new LogRecord(instance.ContainerId, timestamp, stream, line));
            return timestamp;
        }
    }

    public IReadOnlyList<LogRecord> LogOf(string ns, string name, string container)
    {
        lock (gate)
        {
            return written.TryGetValue((ns, name, container), out var records) ? records.ToArray() : [];
        }
    }

    public string? RunningContainerId(string ns, string name, string container)
    {
        lock (gate)
        {
            return pods.TryGetValue((ns, name), out var pod) ? pod.Find(container)?.Running?.ContainerId : null;
        }
    }

    /// <summary>
    /// Picks the instance to read: the API server's container validation (pods/log), then the kubelet's
    /// validateContainerLogStatus, with their exact messages.
    /// </summary>
    public LogTarget ResolveLog(string ns, string name, string? container, bool previous)
    {
        lock (gate)
        {
            if (!pods.TryGetValue((ns, name), out var pod))
            {
                return new LogTarget(container, null, ApiStatus.PodNotFound(name));
            }

            if (string.IsNullOrEmpty(container))
            {
                if (pod.Containers.Count != 1)
                {
                    var names = string.Join(' ', pod.AllContainers.Select(c => c.Name));
                    var message = pod.Containers.Count == 0
                        ? $"a container name must be specified for pod {name}"
                        : $"a container name must be specified for pod {name}, choose one of: [{names}]";
                    return new LogTarget(container, null, ApiStatus.BadRequest(message));
                }

                container = pod.Containers[0].Name;
            }

            var slot = pod.Find(container);
            if (slot is null)
            {
                return new LogTarget(container, null, ApiStatus.BadRequest($"container {container} is not valid for pod {name}"));
            }

            if (pod.NodeName.Length == 0)
            {
                // The API server has no kubelet to ask yet and answers an empty 200.
                return new LogTarget(container, null, null);
            }

            var chosen = previous ? slot.LastTerminated : slot.Current ?? slot.LastTerminated;
            if (chosen is not null)
            {
                return new LogTarget(container, chosen, null);
            }

            var failure = previous
                ? $"previous terminated container \"{container}\" in pod \"{name}\" not found"
                : slot.WaitingReason switch
                {
                    "ErrImagePull" => $"container \"{container}\" in pod \"{name}\" is waiting to start: image can't be pulled",
                    "ImagePullBackOff" => $"container \"{container}\" in pod \"{name}\" is waiting to start: trying and failing to pull image",
                    { } reason => $"container \"{container}\" in pod \"{name}\" is waiting to start: {reason}",
                    null => $"container \"{container}\" in pod \"{name}\" is waiting to start - no logs yet",
                };
            return new LogTarget(container, null, ApiStatus.BadRequest(failure));
        }
    }

    /// <summary>
    /// Cuts a line into the runtime's partial records of at most MaxLinePartBytes bytes (CRI "P" then "F"), the first
    /// stamped <paramref name="timestamp"/> and each next one a nanosecond later, as containerd stamps each as it goes.
    /// </summary>
    private List<LogChunk> SplitAsRuntime(byte[] line, long timestamp, string stream, bool endsLine)
    {
        var size = Math.Max(1, options.MaxLinePartBytes);
        var chunks = new List<LogChunk>();
        var offset = 0;
        do
        {
            var length = Math.Min(size, line.Length - offset);
            chunks.Add(new LogChunk(timestamp + chunks.Count, stream, line.AsSpan(offset, length).ToArray(), endsLine && offset + length == line.Length));
            offset += length;
        }
        while (offset < line.Length);
        return chunks;
    }
}
