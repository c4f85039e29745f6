namespace Aggregator.Host.Operations;

/// <summary>How the aggregator writes its own log messages.</summary>
public enum LogFormat
{
    /// <summary>One line of text per message, with a UTC timestamp.</summary>
    Text,

    /// <summary>One JSON object per line, for log pipelines that parse it.</summary>
    Json,
}
