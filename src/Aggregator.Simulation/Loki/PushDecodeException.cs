namespace Aggregator.Simulation.Loki;

/// <summary>A push body that could not be read; Loki answers 400 with the message.</summary>
internal sealed class PushDecodeException : Exception
{
    public PushDecodeException(string message)
        : base(message)
    {
    }

    public PushDecodeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PushDecodeException()
    {
    }
}
