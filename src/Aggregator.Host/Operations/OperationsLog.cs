using Microsoft.Extensions.Logging;

namespace Aggregator.Host.Operations;

/// <summary>What the operations endpoints tell the operator.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} listening on {Address}")]
    public static partial void Listening(ILogger logger, string endpoint, string address);
}
