using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Aggregator.Host.Operations;

/// <summary>
/// Keeps the aggregator's most recent log messages in memory, as single lines, for <c>aggregator ctl logs</c>
/// (what Petabridge.Cmd's log peek shows): inside a pod, the operator need not find the container's log first.
/// </summary>
public sealed class RecentLogs(int capacity = 1000) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new();

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Last(int count)
    {
        lock (_gate)
        {
            return [.. _lines.Skip(Math.Max(0, _lines.Count - Math.Max(0, count)))];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal void Add(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    /// <summary>A message as one line: UTC time, level, category, text, and the exception's message if any.</summary>
    public static string Format(DateTime time, LogLevel level, string category, string message, Exception? exception)
    {
        var text = exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})";
        return string.Create(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ss.fffZ} {Level(level)} {category}: {text.ReplaceLineEndings(" | ")}");
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(RecentLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // The logging configuration's filters apply before this is asked.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Add(Format(DateTime.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
