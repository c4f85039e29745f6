using Aggregator.Host.Operations;
using Microsoft.Extensions.Hosting;

namespace Aggregator.Host;

/// <summary><c>aggregator run</c>: the aggregator itself, until SIGTERM or Ctrl+C.</summary>
public static class RunCommand
{
    /// <summary>Exit code for configuration the aggregator cannot run with.</summary>
    public const int ConfigurationExitCode = 2;

    public static async Task<int> RunAsync(string[] configurationArguments, CancellationToken cancellation, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        AggregatorSettings settings;
        Microsoft.Extensions.Configuration.IConfiguration configuration;
        try
        {
            configuration = AggregatorHost.Configuration(configurationArguments);
            settings = AggregatorSettings.From(configuration);
        }
        catch (ConfigurationException e)
        {
            await errors.WriteLineAsync($"aggregator: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ConfigurationExitCode;
        }

        using var host = AggregatorHost.Build(settings, configuration);
        try
        {
            await host.RunAsync(cancellation).ConfigureAwait(false);
        }
        catch (EndpointBindException e)
        {
            await errors.WriteLineAsync($"aggregator: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }
}
