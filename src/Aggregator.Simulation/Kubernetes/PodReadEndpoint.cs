using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>The plain reads: list a pod collection (with the resourceVersion to watch from) and get one pod.</summary>
internal sealed class PodReadEndpoint(ClusterState cluster)
{
    public async Task ListAsync(HttpContext context, PodFilter filter, CancellationToken cancellationToken)
    {
        var (items, version) = cluster.List(filter);
        var json = string.Create(CultureInfo.InvariantCulture,
            $"{{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{{\"resourceVersion\":\"{version}\"}},\"items\":[{string.Join(',', items.Select(s => s.ItemJson))}]}}");
        await WriteJsonAsync(context.Response, json, cancellationToken).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context, string ns, string name, CancellationToken cancellationToken)
    {
        if (cluster.Get(ns, name) is { } snapshot)
        {
            await WriteJsonAsync(context.Response, snapshot.Json, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ApiStatus.PodNotFound(name).WriteResponseAsync(context.Response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpResponse response, string json, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.WriteAsync(json, cancellationToken).ConfigureAwait(false);
    }
}
