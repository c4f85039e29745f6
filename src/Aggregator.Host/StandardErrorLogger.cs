using Akka.Event;
using Akka.Util;

namespace Aggregator.Host;

/// <summary>
/// Akka.NET's logger for when its own loggers are not running — before they start and after a shutdown stops them —
/// writing to standard error instead of standard output.
/// </summary>
/// <remarks>
/// Without a Loki URL, standard output carries the log entries themselves, one JSON object a line; Akka's own
/// standard-out logger wrote its last words at SIGTERM ("CoordinatedShutdown invoked…") among them, and a reader
/// parsing that stream met two lines that were no entries. Standard error is where the aggregator's own messages go.
/// </remarks>
public sealed class StandardErrorLogger : MinimalLogger
{
    /// <summary>The setting that makes this Akka's start-up and shutdown logger.</summary>
    public static readonly string Hocon = $"akka.stdout-logger-class = \"{typeof(StandardErrorLogger).TypeQualifiedName()}\"";

    protected override void Log(object message) => Console.Error.WriteLine(message);
}
