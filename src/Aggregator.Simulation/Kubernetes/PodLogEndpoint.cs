using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/pods/{pod}/log</c>: the API server's checks, then the kubelet's log reader
/// (tailLines, sinceTime/sinceSeconds per record, timestamps per partial record, limitBytes, follow until the instance ends).
/// </summary>
internal sealed class PodLogEndpoint(ClusterState cluster, LogStreamTracker tracker, Action<LogRequestRecord> record)
{
    private const int SliceBytes = 32 * 1024;

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

        using var stream = tracker.Track(ns, pod, target.Container!, query!.Follow, context);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";

        // The API server flushes headers before the first byte of log, so clients see the stream open at once.
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        await StreamAsync(context, target.Instance, query, stream, cancellationToken).ConfigureAwait(false);
    }

    public static LogRequestRecord Describe(HttpRequest request, string ns, string pod, int status, DateTimeOffset receivedAt) =>
        new(ns, pod, request.Query.ToDictionary(p => p.Key, p => request.Query.First(p.Key)!, StringComparer.Ordinal), status, receivedAt)
        {
            Protocol = request.Protocol,
            ConnectionId = request.HttpContext.Connection.Id,
        };

    private static async Task StreamAsync(
        HttpContext context, ContainerInstance instance, LogQuery query, TrackedLogStream stream, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var next = 0;
        if (query.TailLines is { } tail)
        {
            next = (int)Math.Max(0, instance.ChunkCount - tail);
        }

        var remaining = query.LimitBytes ?? long.MaxValue;
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            // The control is read before the log, so a request made in between wakes the wait below.
            var control = stream.Snapshot();
            var read = instance.Read(next);
            if (control.SeverMidLine)
            {
                var pending = read.Chunks.FirstOrDefault(c => Wanted(c, query));
                if (pending is not null)
                {
                    buffer.ResetWrittenCount();
                    FormatFirstHalf(buffer, pending, query.Timestamps);
                    var fragment = buffer.WrittenMemory[..(int)Math.Min(buffer.WrittenCount, remaining)];
                    await response.Body.WriteAsync(fragment, cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

                    // Kestrel sends what was flushed and closes the connection without the final chunk;
                    // HttpContext.Abort could drop the fragment still queued for the socket.
                    throw new LogStreamSeveredException();
                }

                if (read.Terminated)
                {
                    // No further record will come: cut without a fragment.
                    context.Abort();
                    return;
                }

                next = read.NextIndex;
                await Task.WhenAny(read.Changed, control.Changed).WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (control.Stalled)
            {
                if (read.Terminated)
                {
                    // As the stalled kubelet: it notices the container has stopped and ends, never sending what it missed.
                    return;
                }

                await Task.WhenAny(read.Changed, control.Changed).WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            next = read.NextIndex;
            buffer.ResetWrittenCount();
            var limitReached = false;
            foreach (var chunk in read.Chunks)
            {
                if (Wanted(chunk, query))
                {
                    Format(buffer, chunk, query.Timestamps);
                }

                // As the kubelet copies the file: a backlog goes out in bounded pieces, not as one body-sized buffer.
                if (buffer.WrittenCount >= SliceBytes)
                {
                    limitReached = await SendAsync().ConfigureAwait(false);
                    if (limitReached)
                    {
                        break;
                    }
                }
            }

            if (!limitReached)
            {
                limitReached = await SendAsync().ConfigureAwait(false);
            }

            if (limitReached || !query.Follow || read.Terminated)
            {
                return;
            }

            await Task.WhenAny(read.Changed, control.Changed).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        // Sends what is formatted, cut at limitBytes; true when the limit is reached.
        async Task<bool> SendAsync()
        {
            var toSend = buffer.WrittenMemory;
            var reached = toSend.Length >= remaining;
            if (reached)
            {
                toSend = toSend[..(int)remaining];
            }

            remaining -= toSend.Length;
            if (toSend.Length > 0)
            {
                await response.Body.WriteAsync(toSend, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            buffer.ResetWrittenCount();
            return reached;
        }
    }

    // Checked per record: stdout and stderr interleave, so timestamps are not monotonic in file order.
    private static bool Wanted(LogChunk chunk, LogQuery query) => query.SinceNanos is not { } since || chunk.TimestampNanos >= since;

    /// <summary>
    /// The record's timestamp prefix (when asked for) and the first half of its bytes, moved back to a UTF-8
    /// character boundary; never its newline. A one-character record is sent whole, still without the newline.
    /// </summary>
    private static void FormatFirstHalf(ArrayBufferWriter<byte> buffer, LogChunk chunk, bool timestamps)
    {
        if (timestamps)
        {
            WriteTimestamp(buffer, chunk);
        }

        var content = chunk.Content;
        var half = (content.Length + 1) / 2;
        while (half > 0 && half < content.Length && (content[half] & 0xC0) == 0x80)
        {
            half--;
        }

        if (half == 0)
        {
            half = content.Length;
        }

        buffer.Write(content.AsSpan(0, half));
    }

    private static void Format(ArrayBufferWriter<byte> buffer, LogChunk chunk, bool timestamps)
    {
        if (timestamps)
        {
            WriteTimestamp(buffer, chunk);
        }

        buffer.Write(chunk.Content);
        if (chunk.EndsLine)
        {
            buffer.Write("\n"u8);
        }
    }

    // The record's timestamp and the space after it.
    private static void WriteTimestamp(ArrayBufferWriter<byte> buffer, LogChunk chunk)
    {
        var prefix = buffer.GetSpan(KubeTime.NanosLength + 1);
        KubeTime.WriteNanos(chunk.TimestampNanos, prefix);
        prefix[KubeTime.NanosLength] = (byte)' ';
        buffer.Advance(KubeTime.NanosLength + 1);
    }
}
