using Microsoft.Extensions.Configuration;
using AkkaLevel = Akka.Event.LogLevel;
using HostLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Aggregator.Host;

/// <summary>Akka.NET's own log level, taken from the <c>Logging</c> section that filters what it forwards.</summary>
/// <remarks>
/// Left at Akka's default (Info), Akka formats every Info event only for the forwarder to drop it, and what it logs
/// once its loggers have stopped (the last words of a shutdown) is printed at that level by its start-up and shutdown
/// logger: the demo, set to Warning, ended with Akka's bracketed "[INFO] CoordinatedShutdown invoked" line.
/// </remarks>
public static class AkkaLogLevel
{
    /// <summary>
    /// The lowest level any <c>LogLevel</c> entry under <paramref name="logging"/> lets through (a category's or a
    /// provider's): Akka's events are forwarded under their classes' names, so one of them may be the category set
    /// lower than the default. Information when nothing is set, as for Microsoft.Extensions.Logging.
    /// </summary>
    public static AkkaLevel From(IConfigurationSection logging)
    {
        var lowest = HostLevel.None;
        var anySet = false;
        foreach (var (key, value) in logging.AsEnumerable(makePathsRelative: true))
        {
            var path = key.Split(':');
            if (path.Length >= 2 && path[^2].Equals("LogLevel", StringComparison.OrdinalIgnoreCase) &&
                Enum.TryParse<HostLevel>(value, ignoreCase: true, out var level))
            {
                anySet = true;
                lowest = level < lowest ? level : lowest;
            }
        }

        return ToAkka(anySet ? lowest : HostLevel.Information);
    }

    /// <summary>Akka's level that keeps every event of <paramref name="level"/> and above.</summary>
    public static AkkaLevel ToAkka(HostLevel level) => level switch
    {
        HostLevel.Trace or HostLevel.Debug => AkkaLevel.DebugLevel,
        HostLevel.Information => AkkaLevel.InfoLevel,
        HostLevel.Warning => AkkaLevel.WarningLevel,
        _ => AkkaLevel.ErrorLevel,
    };
}
