using Microsoft.Extensions.Logging;

namespace Aggregator.Host.Operations;

/// <summary>What the aggregator tells the operator as it starts: where its endpoints listen and where entries go.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} listening on {Address}")]
    public static partial void Listening(ILogger logger, string endpoint, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shipping entries to {Destination}")]
    public static partial void Shipping(ILogger logger, string destination);
}
