using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// <c>?watch=true</c> on the pod collection: newline-delimited JSON events, each flushed, until
/// timeoutSeconds, a severed watch, the client leaving or the double stopping.
/// </summary>
internal sealed class PodWatchEndpoint(ClusterState cluster, KubernetesDoubleOptions options)
{
    public async Task HandleAsync(HttpContext context, PodFilter filter, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var allowBookmarks = QueryFlags.IsTrue(query.First("allowWatchBookmarks"));
        var timeout = options.MaxWatchDuration;
        if (query.First("timeoutSeconds") is { Length: > 0 } t)
        {
            if (!long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            {
                await ApiStatus.BadRequest($"strconv.ParseInt: parsing \"{t}\": invalid syntax")
                    .WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
                return;
            }

            timeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : timeout;
        }

        var subscription = cluster.Subscribe(filter, query.First("resourceVersion"), out var failure);
        if (failure is { Code: StatusCodes.Status400BadRequest })
        {
            await failure.WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            // Too old: the real server answers 200 and sends the 410 as an ERROR event, then ends the stream.
            await WriteLineAsync(context.Response, ErrorLine(failure!), cancellationToken).ConfigureAwait(false);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        try
        {
            await PumpAsync(context.Response, subscription, allowBookmarks, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: a normal end of the watch.
        }
        finally
        {
            cluster.Unsubscribe(subscription);
        }
    }

    private async Task PumpAsync(HttpResponse response, WatchSubscription subscription, bool allowBookmarks, CancellationToken cancellationToken)
    {
        var nextBookmark = DateTime.UtcNow + options.BookmarkInterval;
        while (true)
        {
            while (subscription.Reader.TryRead(out var line))
            {
                await response.Body.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            }

            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!allowBookmarks)
            {
                if (!await subscription.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            var wait = nextBookmark - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                using var bookmarkDue = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bookmarkDue.CancelAfter(wait);
                try
                {
                    if (!await subscription.Reader.WaitToReadAsync(bookmarkDue.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The bookmark is due.
                }
            }

            if (subscription.Reader.Completion.IsCompleted)
            {
                return;
            }

            if (cluster.BookmarkVersion(subscription) is { } version)
            {
                await response.Body.WriteAsync(BookmarkLine(version), cancellationToken).ConfigureAwait(false);
                nextBookmark = DateTime.UtcNow + options.BookmarkInterval;
            }
        }
    }

    private static async Task WriteLineAsync(HttpResponse response, byte[] line, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A BOOKMARK's object is an empty pod carrying only the resourceVersion.</summary>
    private static byte[] BookmarkLine(long version) =>
        new PodSnapshot(
            new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta { ResourceVersion = version.ToString(CultureInfo.InvariantCulture) },
            },
            version).WatchLine("BOOKMARK");

    private static byte[] ErrorLine(ApiStatus status)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "ERROR");
            writer.WritePropertyName("object");
            status.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.ToArray();
    }
}
