using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Aggregator.Host.Operations;

namespace Aggregator.Host.Ctl;

/// <summary>
/// <c>aggregator ctl …</c>: inspects a running aggregator through its admin endpoint, in the spirit of
/// Petabridge.Cmd. It finds the endpoint the way the aggregator configures it (ADMIN_PORT, ADMIN_TOKEN,
/// appsettings.json), so inside the pod <c>kubectl exec deploy/log-aggregator -- aggregator ctl tails</c> just works.
/// </summary>
public static class CtlCommand
{
    /// <summary>Exit code when the aggregator could not be asked or did not answer.</summary>
    public const int FailureExitCode = 1;

    private static readonly Option<bool> Json = new("--json") { Description = "Print the answer as JSON", Recursive = true };
    private static readonly Option<int?> Port = new("--port") { Description = "The admin port (default: ADMIN_PORT, else 9110)", Recursive = true };
    private static readonly Option<string?> Address = new("--address") { Description = "The admin address (default: 127.0.0.1)", Recursive = true };
    private static readonly Option<string?> Token = new("--token") { Description = "The admin token (default: ADMIN_TOKEN)", Recursive = true };
    private static readonly Option<double> Timeout = new("--timeout") { Description = "Seconds to wait for the answer", DefaultValueFactory = _ => 10, Recursive = true };

    public static Command Create()
    {
        var ctl = new Command("ctl", "Inspect a running aggregator through its admin endpoint (127.0.0.1:9110 unless ADMIN_PORT says otherwise).")
        {
            Json, Port, Address, Token, Timeout,
        };

        var status = new Command("status", "Mode, version, uptime, namespaces, tails, lines and bytes shipped, buffer, Loki");
        status.SetAction((parse, cancellation) => RunAsync<StatusReport>(parse, "v1/status", CtlRendering.Status, cancellation));
        ctl.Subcommands.Add(status);

        var ns = new Option<string?>("--namespace", "-n") { Description = "Only tails of this namespace" };
        var pod = new Option<string?>("--pod") { Description = "Only tails of this pod (a trailing * matches a prefix)" };
        var state = new Option<string?>("--state") { Description = "Only tails whose state starts with this (following, reopening, draining, …)" };
        var tails = new Command("tails", "Every container instance being tailed: labels, state, lines, last entry, lag, restarts, last error") { ns, pod, state };
        tails.SetAction((parse, cancellation) => RunAsync<List<TailReport>>(
            parse,
            "v1/tails" + Query(("namespace", parse.GetValue(ns)), ("pod", parse.GetValue(pod)), ("state", parse.GetValue(state))),
            CtlRendering.Tails,
            cancellation));
        ctl.Subcommands.Add(tails);

        var hierarchy = new Command("hierarchy", "The live actor tree under /user");
        hierarchy.SetAction((parse, cancellation) => RunAsync<ActorNode>(parse, "v1/actors", CtlRendering.Actors, cancellation));
        ctl.Subcommands.Add(new Command("actor", "Actors of the running aggregator") { hierarchy });

        var lines = new Option<int>("--lines") { Description = "How many of the most recent lines", DefaultValueFactory = _ => 100 };
        var logs = new Command("logs", "The aggregator's own most recent log lines") { lines };
        logs.SetAction((parse, cancellation) => RunAsync<LogsReport>(parse, $"v1/logs?lines={parse.GetValue(lines)}", CtlRendering.Logs, cancellation));
        ctl.Subcommands.Add(logs);

        var show = new Command("show", "The cluster's members (one in this single-node mode)");
        show.SetAction((parse, cancellation) => RunAsync<ClusterReport>(parse, "v1/cluster", CtlRendering.Cluster, cancellation));
        var regions = new Command("regions", "The shard regions and how many entities (tails) each holds");
        regions.SetAction((parse, cancellation) => RunAsync<ShardRegionsReport>(parse, "v1/cluster/sharding/regions", CtlRendering.Regions, cancellation));
        var stats = new Command("stats", "Entities (tails) per shard");
        stats.SetAction((parse, cancellation) => RunAsync<ShardingStatsReport>(parse, "v1/cluster/sharding/stats", CtlRendering.ShardingStats, cancellation));
        ctl.Subcommands.Add(new Command("cluster", "The cluster as this node sees it") { show, new Command("sharding", "Cluster sharding") { regions, stats } });
        return ctl;
    }

    private static async Task<int> RunAsync<T>(ParseResult parse, string path, Action<TextWriter, T> render, CancellationToken cancellation)
    {
        var output = parse.InvocationConfiguration.Output;
        var errors = parse.InvocationConfiguration.Error;
        try
        {
            using var client = Client(parse);
            var body = await client.GetAsync(path, cancellation).ConfigureAwait(false);
            var report = JsonSerializer.Deserialize<T>(body, AdminJson.Options)
                ?? throw new CtlException($"the aggregator at {client.Target} sent an empty answer");
            if (parse.GetValue(Json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(report, AdminJson.Indented)).ConfigureAwait(false);
            }
            else
            {
                render(output, report);
            }

            return 0;
        }
        catch (CtlException e)
        {
            await errors.WriteLineAsync($"aggregator ctl: {e.Message}").ConfigureAwait(false);
            return FailureExitCode;
        }
        catch (JsonException e)
        {
            await errors.WriteLineAsync($"aggregator ctl: the answer was not what this version expects ({e.Message})").ConfigureAwait(false);
            return FailureExitCode;
        }
    }

    /// <summary>The endpoint as the aggregator itself would configure it, overridden by --address, --port and --token.</summary>
    private static AdminClient Client(ParseResult parse)
    {
        AdminOptions admin;
        try
        {
            admin = AggregatorSettings.Bind(AggregatorHost.Configuration([])).Admin;
        }
        catch (ConfigurationException e)
        {
            throw new CtlException($"invalid configuration: {e.Message}");
        }

        var host = parse.GetValue(Address) is { } address
            ? AdminAddress.UrlHost(address, "--address")
            : AdminAddress.UrlHost(admin.Address, "invalid configuration: Aggregator:Admin:Address");

        var port = parse.GetValue(Port) ?? admin.Port;
        if (port is < 1 or > 65535)
        {
            throw new CtlException($"the admin port is {port}: give the port the aggregator listens on (ADMIN_PORT or --port)");
        }

        var token = parse.GetValue(Token) is { } given
            ? OneLine(given, "--token")
            : string.IsNullOrWhiteSpace(admin.Token) ? null : OneLine(admin.Token.Trim(), "invalid configuration: ADMIN_TOKEN (Aggregator:Admin:Token)");

        var timeout = parse.GetValue(Timeout);
        if (timeout is not (> 0 and <= 3600))
        {
            throw new CtlException($"--timeout is {timeout.ToString(CultureInfo.InvariantCulture)}: expected the seconds to wait for the answer, above 0 and at most 3600");
        }

        return new AdminClient(host, port, token, TimeSpan.FromSeconds(timeout));
    }

    // A header value cannot hold a line break: HttpClient would refuse the token with an exception of its own.
    private static string OneLine(string token, string source) =>
        token.AsSpan().IndexOfAny('\r', '\n', '\0') < 0
            ? token
            : throw new CtlException($"{source} holds a line break: expected the admin token alone, on one line");

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var set = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? string.Empty : "?" + string.Join("&", set);
    }
}
