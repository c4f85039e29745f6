using System.CommandLine;

namespace Aggregator.Host;

/// <summary>The <c>aggregator</c> command line: <c>run</c> and <c>demo</c>.</summary>
public static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Ships the logs of Kubernetes pods to Grafana Loki through the Kubernetes API, without a node agent.");

        var run = new Command("run", "Run the aggregator. Settings come from appsettings.json, the environment (NAMESPACE, LOKI_URL, …) and --Aggregator:Key=value options.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        run.SetAction((parse, cancellation) => RunCommand.RunAsync([.. parse.UnmatchedTokens], cancellation));
        root.Subcommands.Add(run);
        root.Subcommands.Add(DemoCommand.Create());

        return root.Parse(args).InvokeAsync();
    }
}
