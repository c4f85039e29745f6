using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>Maps request paths to the pod endpoints, counts requests and applies injected faults.</summary>
internal sealed partial class KubernetesApiRouter
{
    private readonly ClusterState cluster;
    private readonly KubernetesDoubleOptions options;
    private readonly ILogger logger;
    private readonly CancellationToken stopping;
    private readonly PodReadEndpoint reads;
    private readonly PodWatchEndpoint watches;
    private readonly PodLogEndpoint logs;
    private readonly ConcurrentQueue<LogRequestRecord> logRequests = new();
    private volatile Func<HttpRequest, int?>? fault;
    private int watchRequestCount;
    private int listRequestCount;

    public KubernetesApiRouter(
        ClusterState cluster, LogStreamTracker tracker, KubernetesDoubleOptions options, ILogger logger, CancellationToken stopping)
    {
        this.cluster = cluster;
        this.options = options;
        this.logger = logger;
        this.stopping = stopping;
        reads = new PodReadEndpoint(cluster);
        watches = new PodWatchEndpoint(cluster, options);
        logs = new PodLogEndpoint(cluster, tracker, logRequests.Enqueue);
    }

    public IReadOnlyList<LogRequestRecord> LogRequests => logRequests.ToArray();

    public int WatchRequestCount => Volatile.Read(ref watchRequestCount);

    public int ListRequestCount => Volatile.Read(ref listRequestCount);

    public Func<HttpRequest, int?>? Fault
    {
        get => fault;
        set => fault = value;
    }

    public async Task HandleAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancellationToken = linked.Token;
        try
        {
            await RouteAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left, or the double is stopping: a stopping double ends the body cleanly.
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The connection was cut (by the client or by SeverLogStreams).
        }
        catch (Exception ex) when (ex is not LogStreamSeveredException)
        {
            // Kestrel's own report of application errors is filtered out (a mid-line sever is one by design), so report here.
            LogFailure(logger, ex, context.Request.Method, context.Request.Path + context.Request.QueryString);
            throw;
        }
    }

    private async Task RouteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var segments = context.Request.Path.Value?.Trim('/').Split('/') ?? [];
        var route = Match(segments);
        if (fault?.Invoke(context.Request) is { } faultCode)
        {
            if (route is { Kind: RouteKind.Log })
            {
                logRequests.Enqueue(PodLogEndpoint.Describe(context.Request, route.Namespace!, route.Name!, faultCode, DateTimeOffset.UtcNow));
            }

            await FaultStatus(faultCode, route, context.Request).WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (route is null)
        {
            await ApiStatus.RouteNotFound().WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await new ApiStatus(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource")
                .WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        switch (route.Kind)
        {
            case RouteKind.Pod:
                await reads.GetAsync(context, route.Namespace!, route.Name!, cancellationToken).ConfigureAwait(false);
                break;
            case RouteKind.Log:
                await logs.HandleAsync(context, route.Namespace!, route.Name!, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await CollectionAsync(context, route, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The Kubernetes double failed on {Method} {Target}")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string target);

    private ApiStatus FaultStatus(int code, Route? route, HttpRequest request) => route switch
    {
        null => ApiStatus.ForCode(code),
        { Kind: RouteKind.Log } => ApiStatus.ForFault(code, options.UserName, "get", "pods/log", route.Namespace, route.Name),
        { Kind: RouteKind.Pod } => ApiStatus.ForFault(code, options.UserName, "get", "pods", route.Namespace, route.Name),
        _ => ApiStatus.ForFault(
            code,
            options.UserName,
            route.Kind == RouteKind.Watch || QueryFlags.IsTrue(request.Query.First("watch")) ? "watch" : "list",
            "pods",
            route.Namespace,
            null),
    };

    private async Task CollectionAsync(HttpContext context, Route route, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        if (!LabelSelector.TryParse(query.First("labelSelector"), out var labels, out var labelError)
            || !FieldSelector.TryParse(query.First("fieldSelector"), out var fields, out labelError))
        {
            await ApiStatus.BadRequest(labelError).WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
            return;
        }

        var filter = new PodFilter(route.Namespace, labels, fields);
        var watch = route.Kind == RouteKind.Watch
            || QueryFlags.IsTrue(query.First("watch"));
        if (watch)
        {
            Interlocked.Increment(ref watchRequestCount);
            await watches.HandleAsync(context, filter, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Interlocked.Increment(ref listRequestCount);
            await reads.ListAsync(context, filter, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Route? Match(string[] s) => s switch
    {
        ["api", "v1", "pods"] => new Route(RouteKind.Collection, null, null),
        ["api", "v1", "namespaces", var ns, "pods"] => new Route(RouteKind.Collection, ns, null),
        ["api", "v1", "namespaces", var ns, "pods", var name] => new Route(RouteKind.Pod, ns, name),
        ["api", "v1", "namespaces", var ns, "pods", var name, "log"] => new Route(RouteKind.Log, ns, name),
        ["api", "v1", "watch", "pods"] => new Route(RouteKind.Watch, null, null),
        ["api", "v1", "watch", "namespaces", var ns, "pods"] => new Route(RouteKind.Watch, ns, null),
        _ => null,
    };

    private enum RouteKind
    {
        Collection,
        Watch,
        Pod,
        Log,
    }

    private sealed record Route(RouteKind Kind, string? Namespace, string? Name);
}
