using System.Globalization;
using System.Text.Json;
using Aggregator.Host.Operations;
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
public class StandardErrorLogger : MinimalLogger
{
    /// <summary>The setting that makes this Akka's start-up and shutdown logger, in the aggregator's log format.</summary>
    public static string Hocon(LogFormat format) =>
        $"akka.stdout-logger-class = \"{(format == LogFormat.Json ? typeof(Json) : typeof(StandardErrorLogger)).TypeQualifiedName()}\"";

    protected override void Log(object message) => Console.Error.WriteLine(message);

    /// <summary>
    /// The same, as one JSON object a line in the shape of the aggregator's JSON console log (LOG_FORMAT=json), so
    /// that a log collector parsing the aggregator's standard error meets no plain line at shutdown.
    /// </summary>
    public sealed class Json : StandardErrorLogger
    {
        protected override void Log(object message) => Console.Error.WriteLine(Line(message));

        /// <summary>One log line: Timestamp, EventId, LogLevel, Category and Message, as the JSON console formatter writes them.</summary>
        public static string Line(object message)
        {
            var (timestamp, level, category, text) = message is LogEvent e
                ? (e.Timestamp, LevelName(e.LogLevel()), $"Akka:{e.LogSource}", e.Cause is null ? e.Message?.ToString() : $"{e.Message} {e.Cause}")
                : (DateTime.UtcNow, "Information", "Akka", message.ToString());
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("Timestamp", timestamp.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                writer.WriteNumber("EventId", 0);
                writer.WriteString("LogLevel", level);
                writer.WriteString("Category", category);
                writer.WriteString("Message", text);
                writer.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static string LevelName(Akka.Event.LogLevel level) => level switch
        {
            Akka.Event.LogLevel.DebugLevel => "Debug",
            Akka.Event.LogLevel.InfoLevel => "Information",
            Akka.Event.LogLevel.WarningLevel => "Warning",
            _ => "Error",
        };
    }
}
