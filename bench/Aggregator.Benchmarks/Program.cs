using System.CommandLine;
using BenchmarkDotNet.Running;

namespace Aggregator.Benchmarks;

/// <summary><c>pipeline</c>: the whole aggregator measured end to end; <c>micro</c>: BenchmarkDotNet on the hot paths.</summary>
public static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Benchmarks of the log aggregator.");

        var containers = new Option<int>("--containers") { Description = "Containers that write", DefaultValueFactory = _ => 100 };
        var lineBytes = new Option<int>("--line-bytes") { Description = "Bytes per line", DefaultValueFactory = _ => 120 };
        var lines = new Option<int>("--lines") { Description = "Lines each container holds before the aggregator starts", DefaultValueFactory = _ => 10_000 };
        var rate = new Option<int>("--rate") { Description = "Write this many lines/s in all while the aggregator runs, instead of beforehand" };
        var duration = new Option<int>("--duration") { Description = "Seconds to write at --rate", DefaultValueFactory = _ => 20 };
        var idle = new Option<int>("--idle") { Description = "Extra tailed containers that never write" };
        var batchTimeout = new Option<double>("--batch-timeout") { Description = "BATCH_TIMEOUT in seconds", DefaultValueFactory = _ => 1 };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the raw baseline" };
        var members = new Option<int>("--members") { Description = "Run this many aggregators as one cluster (MODE=cluster)", DefaultValueFactory = _ => 1 };
        var killAfter = new Option<double>("--kill-after") { Description = "With --members and --rate: kill one member (SIGKILL) this many seconds in" };
        var tls = new Option<bool>("--tls") { Description = "Serve the Kubernetes API over TLS (HTTP/2 by ALPN), as a real API server does" };
        var repeat = new Option<int>("--repeat") { Description = "Run this many times and end with the medians", DefaultValueFactory = _ => 1 };
        var pipeline = new Command("pipeline", "Run the aggregator against the doubles and print throughput, CPU, memory, latency and the raw baseline.")
        {
            containers, lineBytes, lines, rate, duration, idle, batchTimeout, noBaseline, members, killAfter, tls, repeat,
        };
        pipeline.SetAction(async (parse, cancellation) =>
        {
            var options = new PipelineOptions(
                parse.GetValue(containers), parse.GetValue(lineBytes), parse.GetValue(lines), parse.GetValue(rate), parse.GetValue(duration),
                parse.GetValue(idle), parse.GetValue(batchTimeout), parse.GetValue(noBaseline), Math.Max(1, parse.GetValue(members)), parse.GetValue(killAfter),
                parse.GetValue(tls));
            if (options.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync("pipeline: " + problem).ConfigureAwait(false);
                return 2;
            }

            var runs = new List<PipelineResult>();
            var times = Math.Max(1, parse.GetValue(repeat));
            for (var run = 1; run <= times; run++)
            {
                if (times > 1)
                {
                    Console.WriteLine($"--- run {run} of {times}");
                }

                PipelineResult result;
                try
                {
                    result = await PipelineBenchmark.RunAsync(options, Console.Out, cancellation).ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    // The aggregator did not start or exited: its own output, which the message holds, says why.
                    await Console.Error.WriteLineAsync("pipeline: " + e.Message).ConfigureAwait(false);
                    return 1;
                }

                foreach (var line in result.Report())
                {
                    Console.WriteLine(line);
                }

                runs.Add(result);
            }

            if (times > 1)
            {
                foreach (var line in PipelineSummary.Report(runs))
                {
                    Console.WriteLine(line);
                }
            }

            return runs.All(r => r.ExactlyOnce) ? 0 : 1;
        });
        root.Subcommands.Add(pipeline);

        var micro = new Command("micro", "Run the BenchmarkDotNet micro-benchmarks (pass BenchmarkDotNet's own options after --).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        micro.SetAction(parse =>
        {
            // Without options BenchmarkDotNet asks on the console which benchmark to run, and without a console it
            // runs none; the documented command runs them all.
            string[] options = parse.UnmatchedTokens.Count > 0 ? [.. parse.UnmatchedTokens] : ["--filter", "*"];
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(options);
            return 0;
        });
        root.Subcommands.Add(micro);

        return root.Parse(args).InvokeAsync();
    }
}
