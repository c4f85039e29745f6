using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>Reads query parameters as the API server does: a repeated parameter counts by its first value.</summary>
internal static class QueryText
{
    public static string? First(this IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 ? values[0] ?? "" : null;
}
