using System.Globalization;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>One <c>pods/log</c> request the double received and how it answered.</summary>
/// <param name="Namespace">The pod's namespace from the path.</param>
/// <param name="Pod">The pod's name from the path.</param>
/// <param name="Query">Every query parameter as sent (first value of each).</param>
/// <param name="StatusCode">The HTTP status the double answered.</param>
/// <param name="ReceivedAt">When the request arrived.</param>
public sealed record LogRequestRecord(
    string Namespace,
    string Pod,
    IReadOnlyDictionary<string, string> Query,
    int StatusCode,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The request's protocol as the server saw it: <c>HTTP/1.1</c>, or <c>HTTP/2</c> over TLS.</summary>
    public string Protocol { get; init; } = "HTTP/1.1";

    /// <summary>The connection that carried the request: HTTP/2 requests share one.</summary>
    public string ConnectionId { get; init; } = string.Empty;

    /// <summary>The <c>container</c> parameter, if sent.</summary>
    public string? Container => Get("container");

    /// <summary>Whether <c>follow</c> was true (apimachinery boolean rules).</summary>
    public bool Follow => QueryFlags.IsTrue(Get("follow"));

    /// <summary>Whether <c>timestamps</c> was true.</summary>
    public bool Timestamps => QueryFlags.IsTrue(Get("timestamps"));

    /// <summary>Whether <c>previous</c> was true.</summary>
    public bool Previous => QueryFlags.IsTrue(Get("previous"));

    /// <summary>The raw <c>sinceTime</c> parameter, if sent.</summary>
    public string? SinceTime => Get("sinceTime");

    /// <summary>The <c>sinceSeconds</c> parameter, if sent and numeric.</summary>
    public long? SinceSeconds =>
        long.TryParse(Get("sinceSeconds"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private string? Get(string name) => Query.TryGetValue(name, out var value) ? value : null;
}
