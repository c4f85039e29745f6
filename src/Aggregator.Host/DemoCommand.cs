using System.CommandLine;
using Aggregator.Host.Operations;
using Aggregator.Simulation;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aggregator.Host;

/// <summary>
/// <c>aggregator demo</c>: the real aggregator, end to end, on a simulated namespace served over HTTP by the
/// Kubernetes API double, shipping to LOKI_URL or else to a local Loki double, then a per-stream summary.
/// </summary>
public static class DemoCommand
{
    private const string Namespace = "demo";

    /// <summary>How long the demo waits for Loki once Loki has stopped taking lines.</summary>
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var pods = new Option<int>("--pods") { Description = "Pods in the simulated namespace", DefaultValueFactory = _ => 4 };
        var containers = new Option<int>("--containers") { Description = "Containers per pod", DefaultValueFactory = _ => 2 };
        var rate = new Option<int>("--rate") { Description = "Lines per second each container writes", DefaultValueFactory = _ => 20 };
        var duration = new Option<int>("--duration") { Description = "Seconds the workload writes", DefaultValueFactory = _ => 12 };
        var verbose = new Option<bool>("--verbose") { Description = "Show the aggregator's own log messages" };
        var demo = new Command("demo", "Run the aggregator against a simulated namespace (no cluster needed) and report what reached Loki.")
        {
            pods, containers, rate, duration, verbose,
        };
        demo.TreatUnmatchedTokensAsErrors = false;
        demo.SetAction((parse, cancellation) => RunAsync(
            new DemoShape(
                Math.Clamp(parse.GetValue(pods), 1, 500), Math.Clamp(parse.GetValue(containers), 1, 20),
                Math.Clamp(parse.GetValue(rate), 1, 10_000), Math.Clamp(parse.GetValue(duration), 3, 3600)),
            parse.GetValue(verbose), [.. parse.UnmatchedTokens], cancellation));
        return demo;
    }

    private static async Task<int> RunAsync(DemoShape shape, bool verbose, string[] configurationArguments, CancellationToken cancellation)
    {
        try
        {
            CommandLineSettings.Check(configurationArguments);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"aggregator: invalid configuration: {e.Message}").ConfigureAwait(false);
            return RunCommand.ConfigurationExitCode;
        }

        using var interruption = new DemoInterruption(cancellation);
        try
        {
            return await RunAsync(shape, verbose, configurationArguments, interruption).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interruption.Interrupted)
        {
            // While the doubles started: nothing was written, so there is nothing to report.
            return interruption.ExitCode;
        }
    }

    private static async Task<int> RunAsync(DemoShape shape, bool verbose, string[] configurationArguments, DemoInterruption interruption)
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync(cancellationToken: interruption.Token).ConfigureAwait(false);
        var workDirectory = Directory.CreateTempSubdirectory("aggregator-demo-");
        try
        {
            var kubeconfig = kubernetes.WriteKubeconfig(Path.Combine(workDirectory.FullName, "kubeconfig"));
            var externalLoki = Environment.GetEnvironmentVariable("LOKI_URL");
            await using var loki = string.IsNullOrWhiteSpace(externalLoki) ? await LokiDouble.StartAsync(cancellationToken: interruption.Token).ConfigureAwait(false) : null;

            var overrides = new Dictionary<string, string?>
            {
                ["Aggregator:Namespaces"] = Namespace,
                ["Aggregator:Kubernetes:Kubeconfig"] = kubeconfig,
                ["Aggregator:Kubernetes:Context"] = null,
                ["Aggregator:Batch:TimeoutSeconds"] = "0.5",
                // The demo stops once Loki has everything or has taken nothing for a while: a shutdown has nothing
                // left to flush that a longer grace would deliver.
                ["Aggregator:ShutdownGraceSeconds"] = "5",
                ["Logging:LogLevel:Default"] = verbose ? "Information" : "Warning",
                // Free ports unless asked for others, so that the demo never collides with a running aggregator.
                ["Aggregator:Admin:Port"] = Environment.GetEnvironmentVariable("ADMIN_PORT") is { Length: > 0 } adminPort ? adminPort : "0",
                ["Aggregator:Metrics:Port"] = Environment.GetEnvironmentVariable("METRICS_PORT") is { Length: > 0 } metricsPort ? metricsPort : "0",
                ["Aggregator:Metrics:Address"] = "127.0.0.1",
            };
            if (loki is not null)
            {
                overrides["Aggregator:Loki:Url"] = loki.BaseUri.ToString();
            }

            AggregatorSettings settings;
            Microsoft.Extensions.Configuration.IConfiguration configuration;
            try
            {
                configuration = AggregatorHost.Configuration(configurationArguments, overrides);
                settings = AggregatorSettings.From(configuration);
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync($"aggregator: invalid configuration: {e.Message}").ConfigureAwait(false);
                return RunCommand.ConfigurationExitCode;
            }

            // ADMIN_PORT or METRICS_PORT held by another process (an aggregator running on this machine, say).
            if (ListenPorts.FirstInUse(settings) is { } inUse)
            {
                await Console.Error.WriteLineAsync($"aggregator: {inUse}").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"Simulated Kubernetes API at {kubernetes.BaseUri}, namespace '{Namespace}': {shape.Pods} pods × {shape.Containers} containers, {shape.Rate} lines/s each, for {shape.Duration} s");
            Console.WriteLine(loki is null ? $"Shipping to Loki at {settings.Loki!.PushUri}" : $"Shipping to a local Loki double at {loki.BaseUri} (set LOKI_URL to use a real Loki)");

            // The demo answers Ctrl+C and SIGTERM itself (DemoInterruption), so that they stop the workload too.
            using var host = AggregatorHost.Build(settings, configuration, stopOnSignals: false);
            try
            {
                // Not cancelled by a signal: a start cut short would leave the actor system running. A signal
                // meanwhile stops the workload at its first tick, and then the host.
                await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (EndpointBindException e)
            {
                // Taken between the check and the start. The actor system started before the endpoints: stop it.
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"aggregator: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            var runtime = host.Services.GetRequiredService<AggregatorRuntime>();
            Console.WriteLine($"Inspect it meanwhile: {ThisExecutable.Command()} ctl tails --port {runtime.AdminPort}; metrics at http://127.0.0.1:{runtime.MetricsPort}/metrics");
            var workload = new DemoWorkload(kubernetes, Namespace, shape);
            var progress = new DemoProgress(workload, runtime, loki);
            var writing = workload.RunAsync(interruption.Token);
            try
            {
                using var ticks = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (!writing.IsCompleted && await ticks.WaitForNextTickAsync(interruption.Token).ConfigureAwait(false))
                {
                    progress.Print();
                }

                await writing.ConfigureAwait(false);

                // Everything written is now in the simulated kubelet; wait while Loki takes it. A LOKI_URL that
                // refuses every push, or where nothing listens, would otherwise keep the demo waiting for nothing.
                var settled = Settled(runtime);
                var lastTaken = DateTime.UtcNow;
                while (Settled(runtime) < workload.Written && DateTime.UtcNow - lastTaken < GiveUpAfter &&
                       await ticks.WaitForNextTickAsync(interruption.Token).ConfigureAwait(false))
                {
                    progress.Print();
                    if (Settled(runtime) is var now && now > settled)
                    {
                        settled = now;
                        lastTaken = DateTime.UtcNow;
                    }
                }
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                // The workload stops at its next tick; once it has, the count of lines written is final.
                await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            // The last state, unless the last tick printed it already.
            progress.PrintIfChanged();
            // Within the grace, the shutdown flushes what the aggregator read, interrupted or not.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);

            Console.WriteLine();
            if (interruption.Interrupted)
            {
                // Lines written but not yet read are not missing: the comparison needs the whole run.
                Console.WriteLine($"Interrupted by {interruption.Cause}: {workload.Written} lines written, {runtime.Counters.EntriesShipped} shipped to {(loki is null ? settings.Loki!.PushUri : "the Loki double")} before the aggregator stopped.");
                return interruption.ExitCode;
            }

            if (loki is null)
            {
                var shipped = runtime.Counters.EntriesShipped;
                if (shipped < workload.Written)
                {
                    Console.WriteLine($"{workload.Written} lines written, only {shipped} shipped to {settings.Loki!.PushUri} ({runtime.Counters.EntriesRejected} refused by Loki): the aggregator's warnings above say why.");
                    return 1;
                }

                Console.WriteLine($"{workload.Written} lines written, {shipped} shipped to {settings.Loki!.PushUri}.");
                Console.WriteLine($"See them in Grafana with the query {{namespace=\"{Namespace}\"}}.");
                return 0;
            }

            var report = DeliveryReport.Compare(kubernetes, loki, workload.Streams);
            Console.WriteLine(report);
            Console.WriteLine();
            Console.WriteLine(report.ExactlyOnce
                ? $"Every one of the {report.Written} lines reached Loki exactly once, with its kubelet timestamp ({loki.Pushes.Count} pushes, {loki.DuplicatesReceived} identical re-sends dropped by Loki)."
                : "Some lines did not reach Loki exactly once: see the table above.");
            return report.ExactlyOnce ? 0 : 1;
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    // Entries Loki has answered for, stored or refused.
    private static long Settled(AggregatorRuntime runtime) => runtime.Counters.EntriesShipped + runtime.Counters.EntriesRejected;
}

/// <summary>The size of the demo's workload.</summary>
public sealed record DemoShape(int Pods, int Containers, int Rate, int Duration);
