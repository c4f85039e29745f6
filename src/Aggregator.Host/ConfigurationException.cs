namespace Aggregator.Host;

/// <summary>A setting that the aggregator cannot run with; its message is one line naming the setting and what is expected.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
