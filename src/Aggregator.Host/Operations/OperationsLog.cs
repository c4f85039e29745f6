using Microsoft.Extensions.Logging;

namespace Aggregator.Host.Operations;

/// <summary>What the aggregator tells the operator as it starts: where its endpoints listen, where entries go, and what costs memory.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} listening on {Address}")]
    public static partial void Listening(ILogger logger, string endpoint, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shipping entries to {Destination}")]
    public static partial void Shipping(ILogger logger, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Kubernetes client was built before the aggregator put its trimmed pod metadata first: every watched pod is held whole, managed fields and spec included, at more memory")]
    public static partial void PodsHeldWhole(ILogger logger);
}
