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
            CommandLineSettings.Check(configurationArguments);
            configuration = AggregatorHost.Configuration(configurationArguments);
            settings = AggregatorSettings.From(configuration);
        }
        catch (ConfigurationException e)
        {
            await errors.WriteLineAsync($"aggregator: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ConfigurationExitCode;
        }

        if (ListenPorts.FirstInUse(settings) is { } inUse)
        {
            await errors.WriteLineAsync($"aggregator: {inUse}").ConfigureAwait(false);
            return 1;
        }

        using var host = AggregatorHost.Build(settings, configuration);
        // Taken now: running the host disposes its services when it stops.
        var runtime = (AggregatorRuntime)host.Services.GetService(typeof(AggregatorRuntime))!;
        try
        {
            await host.RunAsync(cancellation).ConfigureAwait(false);
        }
        catch (EndpointBindException e)
        {
            await errors.WriteLineAsync($"aggregator: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        return ExitCodeAfterStop(runtime, errors);
    }

    /// <summary>
    /// 0 for a stop that was asked for (SIGTERM, Ctrl+C); 1, said in one line, when the cluster downed this member:
    /// Akka.Hosting then stops the host as if asked, and a member that did not choose to stop must not look finished.
    /// </summary>
    public static int ExitCodeAfterStop(AggregatorRuntime runtime, TextWriter errors)
    {
        if (runtime.System is { } system
            && Akka.Actor.CoordinatedShutdown.Get(system).ShutdownReason is Akka.Actor.CoordinatedShutdown.ClusterDowningReason)
        {
            errors.WriteLine("aggregator: the cluster downed this member (the split-brain resolver, or another member's decision), so it stopped; started again, it joins anew");
            return 1;
        }

        return 0;
    }
}
