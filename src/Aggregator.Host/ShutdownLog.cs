using Microsoft.Extensions.Logging;

namespace Aggregator.Host;

/// <summary>What shutdown tells the operator about the lines it had read.</summary>
internal static partial class ShutdownLog
{
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Shutting down with {Entries} entries read but not delivered to Loki within the {GraceSeconds} s grace period; the next start reads them again")]
    public static partial void NotFlushed(ILogger logger, long entries, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Everything read was delivered before shutdown ({Entries} entries)")]
    public static partial void Flushed(ILogger logger, long entries);
}
