namespace Aggregator.Simulation.Loki;

/// <summary>A status the double answers to upcoming pushes instead of ingesting them, as an overloaded Loki or a proxy in front of it would.</summary>
internal sealed class InjectedResponse(int statusCode, int times, string? body, TimeSpan? retryAfter)
{
    public int StatusCode { get; } = statusCode;

    public string? Body { get; } = body;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public int Remaining { get; set; } = times;
}
