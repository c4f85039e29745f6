using System.Net;

namespace Aggregator.Actors.Tailing;

/// <summary>The API server refused a log request; carries its status code and the message of its Status body.</summary>
public sealed class PodLogException(HttpStatusCode statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status the API server answered.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;
}
