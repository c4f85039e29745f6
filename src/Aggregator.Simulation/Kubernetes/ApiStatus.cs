using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>A <c>Status</c> object, the API server's error body (also the object of a watch ERROR event).</summary>
/// <remarks>Written by hand: KubernetesClient's V1Status converter can read but not write.</remarks>
internal sealed record ApiStatus(int Code, string Reason, string Message, string? DetailsName = null, string? DetailsKind = null)
{
    /// <summary>Seconds sent as <c>Retry-After</c> and as <c>details.retryAfterSeconds</c>, when set.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiStatus PodNotFound(string pod) => new(404, "NotFound", $"pods \"{pod}\" not found", pod, "pods");

    public static ApiStatus BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatus Invalid(string kind, string name, string detail) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {detail}", name, kind);

    public static ApiStatus Expired(string message) => new(410, "Expired", message);

    public static ApiStatus RouteNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    /// <summary>The status the API server's generic error path would give for a bare HTTP code.</summary>
    public static ApiStatus ForCode(int code) => code switch
    {
        400 => new(code, "BadRequest", "the server rejected our request for an unknown reason"),
        401 => new(code, "Unauthorized", "Unauthorized"),
        403 => new(code, "Forbidden", "forbidden: the simulated fault denies this request"),
        404 => new(code, "NotFound", "the server could not find the requested resource"),
        409 => new(code, "Conflict", "the server reported a conflict"),
        410 => new(code, "Gone", "the resource is gone"),
        429 => TooManyRequests(),
        500 => InternalError(),
        503 => new(code, "ServiceUnavailable", "the server is currently unable to handle the request"),
        504 => new(code, "Timeout", "the server was unable to return a response in the time allotted"),
        _ => new(code, "Unknown", $"the server responded with the status code {code}"),
    };

    /// <summary>
    /// The status for an injected fault on a request: as <see cref="ForCode(int)"/>, except that 403 names the
    /// resource, verb, namespace and user as RBAC's authorizer does.
    /// </summary>
    /// <param name="code">The HTTP code to answer.</param>
    /// <param name="user">The user the request is taken to come from.</param>
    /// <param name="verb">get, list or watch.</param>
    /// <param name="resource">pods or pods/log.</param>
    /// <param name="ns">The namespace, or null for a cluster-scoped request.</param>
    /// <param name="name">The pod's name, or null for a collection.</param>
    public static ApiStatus ForFault(int code, string user, string verb, string resource, string? ns, string? name)
    {
        if (code != 403)
        {
            return ForCode(code);
        }

        var subject = name is null ? "pods" : $"pods \"{name}\"";
        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        return new(403, "Forbidden", $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"\" {scope}", name, "pods");
    }

    /// <summary>The API server's overload answer (max-in-flight / priority and fairness), with <c>Retry-After: 1</c>.</summary>
    public static ApiStatus TooManyRequests() =>
        new(429, "TooManyRequests", "Too many requests, please try again later.") { RetryAfterSeconds = 1 };

    public static ApiStatus InternalError() =>
        new(500, "InternalError", "an error on the server (\"simulated fault\") has prevented the request from succeeding");

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Status");
        writer.WriteString("apiVersion", "v1");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", "Failure");
        writer.WriteString("message", Message);
        writer.WriteString("reason", Reason);
        if (DetailsName is not null || DetailsKind is not null || RetryAfterSeconds is not null)
        {
            writer.WriteStartObject("details");
            if (DetailsName is not null)
            {
                writer.WriteString("name", DetailsName);
            }

            if (DetailsKind is not null)
            {
                writer.WriteString("kind", DetailsKind);
            }

            if (RetryAfterSeconds is { } retryAfter)
            {
                writer.WriteNumber("retryAfterSeconds", retryAfter);
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber("code", Code);
        writer.WriteEndObject();
    }

    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        // Go's encoding/json writes a quote as \" (Utf8JsonWriter's default would be \u0022); clients may search raw bodies.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteTo(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>Answers the request with this status as its HTTP code and JSON body.</summary>
    public async Task WriteResponseAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = Code;
        response.ContentType = "application/json";
        if (RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(ToJsonBytes(), cancellationToken).ConfigureAwait(false);
    }
}
