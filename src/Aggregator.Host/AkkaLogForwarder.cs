using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Aggregator.Host;

/// <summary>
/// Hands Akka.NET's log events to Microsoft.Extensions.Logging as plain messages, categorised by the class that
/// logged them. Akka.Hosting's own logger passes Akka's formatted line, header and all, so every line carried two
/// timestamps and levels, and the JSON format a bracketed text instead of a message.
/// </summary>
public sealed class AkkaLogForwarder : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ConcurrentDictionary<Type, ILogger> _loggers = new();
    private readonly ILoggerFactory _factory;

    public AkkaLogForwarder()
    {
        var setup = Context.System.Settings.Setup.Get<Factory>();
        _factory = setup.HasValue ? setup.Value.LoggerFactory : throw new InvalidOperationException("AkkaLogForwarder needs its setup: call AkkaLogForwarder.Setup.");
    }

    /// <summary>The actor system setup that gives the forwarder the host's logger factory.</summary>
    public static Setup Setup(ILoggerFactory loggerFactory) => new Factory(loggerFactory);

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                var logger = _loggers.GetOrAdd(logEvent.LogClass, type => _factory.CreateLogger(type));
                var level = logEvent.LogLevel() switch
                {
                    Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
                    Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
                    Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
                    _ => Microsoft.Extensions.Logging.LogLevel.Error,
                };
                if (logger.IsEnabled(level))
                {
                    logger.Log(level, default, logEvent.Message?.ToString() ?? string.Empty, logEvent.Cause, static (text, _) => text);
                }

                return true;
            default:
                return false;
        }
    }

    internal sealed class Factory(ILoggerFactory loggerFactory) : Setup
    {
        public ILoggerFactory LoggerFactory { get; } = loggerFactory;
    }
}
