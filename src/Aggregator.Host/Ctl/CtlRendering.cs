using System.Globalization;
using Aggregator.Host.Operations;

namespace Aggregator.Host.Ctl;

/// <summary>The readable form of each admin report, as <c>aggregator ctl</c> prints it without <c>--json</c>.</summary>
public static class CtlRendering
{
    /// <summary>Labels every stream has, shown in their own columns rather than again among the labels.</summary>
    private static readonly HashSet<string> ColumnLabels = new(StringComparer.Ordinal) { "namespace", "pod", "container" };

    public static void Status(TextWriter output, StatusReport status)
    {
        var loki = status.LokiReachable switch
        {
            // Not "reachable": a Loki that answers 401 or 404 to every push is reachable, and ships nothing.
            true => "taking pushes",
            false => "NOT taking pushes",
            null => "unknown (no push yet)",
        };
        new TextTable("FIELD", "VALUE")
            // In cluster mode every figure below is the asked member's alone, which a reader would not guess.
            .Add("Mode", status.Mode == "cluster" ? "cluster (the figures below are this member's; ctl tails and ctl cluster sharding stats cover every member)" : status.Mode)
            .Add("Version", status.Version)
            .Add("Uptime", Duration(status.UptimeSeconds))
            .Add("Namespaces", string.Join(", ", status.Namespaces))
            .Add("Destination", status.Destination)
            .Add("Tails running", Number(status.TailsRunning))
            .Add("Lines read", Number(status.LinesRead))
            .Add("Lines shipped", $"{Number(status.LinesShipped)} ({status.LinesPerSecond.ToString("0.#", CultureInfo.InvariantCulture)}/s)")
            .Add("Bytes shipped", $"{Bytes(status.BytesShipped)} ({Bytes((long)status.BytesPerSecond)}/s)")
            .Add("Lines rejected", Number(status.LinesRejected))
            .Add("Push retries", Number(status.PushRetries))
            .Add("Buffered", $"{Bytes(status.BufferedBytes)} of {Bytes(status.BufferCapacityBytes)} ({Percent(status.BufferedBytes, status.BufferCapacityBytes)})")
            .Add("Loki", loki)
            .Add("Last push error", status.LastPushError ?? "-")
            .Write(output);
    }

    public static void Tails(TextWriter output, IReadOnlyList<TailReport> tails)
    {
        // The member column only in cluster mode, where tails run on several members.
        var members = tails.Any(t => t.Member is not null);
        var table = members
            ? new TextTable("MEMBER", "NAMESPACE", "POD", "CONTAINER", "ID", "STATE", "LINES", "BYTES", "LAST ENTRY", "LAG", "RESTARTS", "LABELS", "LAST ERROR")
            : new TextTable("NAMESPACE", "POD", "CONTAINER", "ID", "STATE", "LINES", "BYTES", "LAST ENTRY", "LAG", "RESTARTS", "LABELS", "LAST ERROR");
        foreach (var tail in tails)
        {
            string[] cells =
            [
                tail.Namespace, tail.Pod, tail.Container, tail.ContainerId, tail.State, Number(tail.LinesRead), Bytes(tail.BytesRead),
                tail.LastEntry?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "-",
                tail.LagSeconds is { } lag ? Duration(lag) : "-",
                Number(tail.Restarts),
                string.Join(",", tail.Labels.Where(l => !ColumnLabels.Contains(l.Key)).Select(l => $"{l.Key}={l.Value}")),
                tail.LastError ?? "-",
            ];
            table.Add(members ? [tail.Member ?? "-", .. cells] : cells);
        }

        table.Write(output);
        output.WriteLine($"{tails.Count} tail{(tails.Count == 1 ? string.Empty : "s")}");
    }

    public static void Actors(TextWriter output, ActorNode root)
    {
        output.WriteLine($"{root.Path}  ({root.Type})");
        WriteChildren(output, root, string.Empty);
    }

    public static void Logs(TextWriter output, LogsReport logs)
    {
        foreach (var line in logs.Lines)
        {
            output.WriteLine(line);
        }
    }

    public static void Cluster(TextWriter output, ClusterReport cluster)
    {
        output.WriteLine($"Mode: {cluster.Mode}    Self: {cluster.SelfAddress}    Leader: {cluster.Leader ?? "-"}");
        var table = new TextTable("ADDRESS", "STATUS", "ROLES", "UP SINCE", "REACHABILITY");
        foreach (var member in cluster.Members)
        {
            table.Add(
                member.Address, member.Status, string.Join(",", member.Roles),
                member.UpSince?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-", member.Reachability);
        }

        table.Write(output);
    }

    public static void Regions(TextWriter output, ShardRegionsReport regions)
    {
        var table = new TextTable("REGION", "PATH", "SHARDS", "ENTITIES");
        foreach (var region in regions.Regions)
        {
            table.Add(region.TypeName, region.Path, Number(region.Shards), Number(region.Entities));
        }

        table.Write(output);
    }

    public static void ShardingStats(TextWriter output, ShardingStatsReport stats)
    {
        var table = new TextTable("REGION", "ADDRESS", "SHARD", "ENTITIES");
        foreach (var shard in stats.Shards)
        {
            table.Add(shard.TypeName, shard.Address, shard.ShardId, Number(shard.Entities));
        }

        table.Write(output);
    }

    /// <summary>1536 → "1.5 KiB".</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>3723.4 → "1h02m03s"; under a minute with a tenth of a second.</summary>
    public static string Duration(double seconds)
    {
        if (seconds < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0}s");
        }

        var span = TimeSpan.FromSeconds(Math.Floor(seconds));
        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:00}s");
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(long part, long whole) =>
        whole <= 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.0}%");

    private static void WriteChildren(TextWriter output, ActorNode node, string indent)
    {
        for (var i = 0; i < node.Children.Count; i++)
        {
            var child = node.Children[i];
            var last = i == node.Children.Count - 1;
            output.WriteLine($"{indent}{(last ? "└─ " : "├─ ")}{child.Name}  ({child.Type})");
            WriteChildren(output, child, indent + (last ? "   " : "│  "));
        }
    }
}
