using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests;

/// <summary>Keeps the aggregator's log messages so that tests can check what an operator would read.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _messages = new();

    /// <summary>Every message so far.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Messages => [.. _messages];

    /// <summary>Messages at <paramref name="level"/> or above that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Containing(string text, LogLevel level = LogLevel.Information) =>
        [.. _messages.Where(m => m.Level >= level && m.Message.Contains(text, StringComparison.Ordinal)).Select(m => m.Message)];

    /// <summary>
    /// <see cref="Containing"/> once at least one such message has come: the actors log through Akka's logger actor,
    /// so a message arrives a moment after the counters that a test waited for have moved.
    /// </summary>
    public async Task<IReadOnlyList<string>> EventuallyContainingAsync(string text, LogLevel level = LogLevel.Information)
    {
        await AggregatorUnderTest.Eventually(() => Containing(text, level).Count > 0, $"a message containing '{text}' is logged");
        return Containing(text, level);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs._messages.Enqueue((logLevel, formatter(state, exception) + (exception is null ? string.Empty : " " + exception)));
            }
        }
    }
}
