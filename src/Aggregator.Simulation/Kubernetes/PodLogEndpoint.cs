using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/pods/{pod}/log</c>: the API server's checks, then the kubelet's log reader
/// (tailLines, sinceTime/sinceSeconds per record, timestamps per partial record, limitBytes, follow until the instance ends).
/// </summary>
internal sealed class PodLogEndpoint(ClusterState cluster, LogStreamTracker tracker, Action<LogRequestRecord> record)
{
    public async Task HandleAsync(HttpContext context, string ns, string pod, CancellationToken cancellationToken)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var query = LogQuery.Parse(context.Request.Query, pod, out var failure);
        var target = query is null ? null : cluster.ResolveLog(ns, pod, query.Container, query.Previous);
        failure ??= target?.Failure;
        record(Describe(context.Request, ns, pod, failure?.Code ?? StatusCodes.Status200OK, receivedAt));
        if (failure is not null)
        {
            await failure.WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (target!.Instance is null)
        {
            // An unscheduled pod: nothing to stream yet.
            context.Response.ContentType = "text/plain";
            return;
        }

        using (tracker.Track(ns, pod, target.Container!, context))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain";

            // The API server flushes headers before the first byte of log, so clients see the stream open at once.
            await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            await StreamAsync(context.Response, target.Instance, query!, cancellationToken).ConfigureAwait(false);
        }
    }

    public static LogRequestRecord Describe(HttpRequest request, string ns, string pod, int status, DateTimeOffset receivedAt) =>
        new(ns, pod, request.Query.ToDictionary(p => p.Key, p => request.Query.First(p.Key)!, StringComparer.Ordinal), status, receivedAt);

    private static async Task StreamAsync(HttpResponse response, ContainerInstance instance, LogQuery query, CancellationToken cancellationToken)
    {
        var next = 0;
        if (query.TailLines is { } tail)
        {
            next = (int)Math.Max(0, instance.ChunkCount - tail);
        }

        var remaining = query.LimitBytes ?? long.MaxValue;
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = instance.Read(next);
            next = read.NextIndex;
            buffer.ResetWrittenCount();
            foreach (var chunk in read.Chunks)
            {
                // Checked per record: stdout and stderr interleave, so timestamps are not monotonic in file order.
                if (query.SinceNanos is { } since && chunk.TimestampNanos < since)
                {
                    continue;
                }

                Format(buffer, chunk, query.Timestamps);
            }

            var toSend = buffer.WrittenMemory;
            var limitReached = toSend.Length >= remaining;
            if (limitReached)
            {
                toSend = toSend[..(int)remaining];
            }

            remaining -= toSend.Length;
            if (toSend.Length > 0)
            {
                await response.Body.WriteAsync(toSend, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (limitReached || !query.Follow || read.Terminated)
            {
                return;
            }

            await read.Changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Format(ArrayBufferWriter<byte> buffer, LogChunk chunk, bool timestamps)
    {
        if (timestamps)
        {
            Encoding.ASCII.GetBytes(KubeTime.FormatNanos(chunk.TimestampNanos) + " ", buffer);
        }

        buffer.Write(chunk.Content);
        if (chunk.EndsLine)
        {
            buffer.Write("\n"u8);
        }
    }
}
