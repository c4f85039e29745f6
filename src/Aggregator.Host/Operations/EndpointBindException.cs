namespace Aggregator.Host.Operations;

/// <summary>An operations endpoint could not listen (its port is taken, its address is not this host's); the message is one line.</summary>
public sealed class EndpointBindException(string message, Exception inner) : Exception(message, inner);
