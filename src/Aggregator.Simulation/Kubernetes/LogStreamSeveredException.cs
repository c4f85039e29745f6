namespace Aggregator.Simulation.Kubernetes;

/// <summary>
/// Thrown out of a log response after a mid-line fragment was flushed: Kestrel then closes the connection
/// without the final chunk once what was flushed has been sent, so the client sees the fragment and then an error.
/// </summary>
internal sealed class LogStreamSeveredException : Exception
{
    public LogStreamSeveredException()
        : base("The log stream was severed in the middle of a line (simulated fault).")
    {
    }

    public LogStreamSeveredException(string message)
        : base(message)
    {
    }

    public LogStreamSeveredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
