using System.CommandLine;
using Aggregator.Host.Ctl;

namespace Aggregator.Host;

/// <summary>The <c>aggregator</c> command line: <c>run</c>, <c>demo</c> and <c>ctl …</c>.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args);

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given writers (the console's by default); tests call this.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellation = default)
    {
        var root = new RootCommand("Ships the logs of Kubernetes pods to Grafana Loki through the Kubernetes API, without a node agent.");

        var run = new Command("run", "Run the aggregator. Settings come from appsettings.json, the environment (NAMESPACE, LOKI_URL, …) and --Aggregator:Key=value options.")
        {
            // The settings are the configuration's keys, not options declared here; CommandLineSettings refuses
            // whatever is not one of them.
            TreatUnmatchedTokensAsErrors = false,
        };
        run.SetAction((parse, cancellation) => RunCommand.RunAsync([.. parse.UnmatchedTokens], cancellation));
        root.Subcommands.Add(run);
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CtlCommand.Create());

        var invocation = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // SIGTERM and Ctrl+C are the host's to handle (it stops, and Akka's coordinated shutdown flushes to Loki
            // within the grace). System.CommandLine's own handler added nothing to that, and when the signal's thread
            // ran after the command had finished, it cancelled a token it had disposed: an unhandled exception, and
            // exit code 134 instead of 0.
            ProcessTerminationTimeout = null,
        };
        return root.Parse(args).InvokeAsync(invocation, cancellation);
    }
}
