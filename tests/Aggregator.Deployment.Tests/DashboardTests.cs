using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aggregator.Deployment.Tests;

/// <summary>The Grafana dashboard: it parses, queries only the aggregator's series, and shows each of them.</summary>
public sealed partial class DashboardTests
{
    internal const string DashboardFile = "k8s/grafana/log-aggregator-dashboard.json";

    /// <summary>The series the aggregator exposes, with the labels of their own, and whether each is a histogram.</summary>
    private static readonly Dictionary<string, (string[] Labels, bool Histogram)> Series = new(StringComparer.Ordinal)
    {
        ["aggregator_lines_read_total"] = (["namespace"], false),
        ["aggregator_bytes_read_total"] = (["namespace"], false),
        ["aggregator_lines_shipped_total"] = (["namespace"], false),
        ["aggregator_bytes_shipped_total"] = (["namespace"], false),
        ["aggregator_entries_rejected_total"] = (["reason"], false),
        ["aggregator_lines_truncated_total"] = ([], false),
        ["aggregator_lines_dropped_total"] = ([], false),
        ["aggregator_push_retries_total"] = (["cause"], false),
        ["aggregator_pushes_total"] = (["result"], false),
        ["aggregator_push_duration_seconds"] = ([], true),
        ["aggregator_batch_entries"] = ([], true),
        ["aggregator_buffered_bytes"] = ([], false),
        ["aggregator_buffer_capacity_bytes"] = ([], false),
        ["aggregator_active_tails"] = ([], false),
        ["aggregator_tail_restarts_total"] = ([], false),
        ["aggregator_watch_restarts_total"] = ([], false),
        ["aggregator_loki_up"] = ([], false),
        ["aggregator_delivery_latency_seconds"] = ([], true),
        ["aggregator_oldest_unshipped_age_seconds"] = ([], false),
    };

    /// <summary>Labels every scraped series has from Prometheus itself.</summary>
    private static readonly string[] TargetLabels = ["instance", "job"];

    private static JsonObject Dashboard() =>
        JsonNode.Parse(Repository.ReadText(DashboardFile)) as JsonObject ?? throw new InvalidDataException($"{DashboardFile} is not a JSON object");

    private static IEnumerable<JsonNode> Panels(JsonNode dashboard) =>
        dashboard.Items("panels").SelectMany(p => new[] { p! }.Concat(p.Items("panels").Select(c => c!)));

    /// <summary>Every PromQL expression of the dashboard: the panels' targets and the template variables' queries.</summary>
    private static List<(string Where, string Expression)> Queries(JsonObject dashboard) =>
    [
        .. Panels(dashboard).SelectMany(p => p.Items("targets").Select(t => ($"panel '{p.Text("title")}'", t.Text("expr") ?? ""))),
        .. dashboard.Items("templating/list").Where(v => v.Text("type") == "query")
            .Select(v => ($"variable '{v.Text("name")}'", v.Text("query/query") ?? v.Text("query") ?? "")),
    ];

    [GeneratedRegex(@"\baggregator_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(?:by|without)\s*\(([^)]*)\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\{([^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex Matcher();

    private static string SeriesOf(string metric)
    {
        if (Series.ContainsKey(metric))
        {
            return metric;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (metric.EndsWith(suffix, StringComparison.Ordinal) && Series.TryGetValue(metric[..^suffix.Length], out var histogram) && histogram.Histogram)
            {
                return metric[..^suffix.Length];
            }
        }

        return "";
    }

    [Fact]
    public void The_dashboard_parses_with_unique_panel_ids_and_a_prometheus_data_source_variable()
    {
        var dashboard = Dashboard();

        Assert.False(string.IsNullOrEmpty(dashboard.Text("uid")));
        Assert.False(string.IsNullOrEmpty(dashboard.Text("title")));
        var ids = Panels(dashboard).Select(p => p.Text("id")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var datasource = Assert.Single(dashboard.Items("templating/list"), v => v.Text("type") == "datasource");
        Assert.Equal("prometheus", datasource.Text("query"));
        foreach (var panel in Panels(dashboard).Where(p => p.Text("type") != "row"))
        {
            Assert.Equal($"${{{datasource.Text("name")}}}", panel.Text("datasource/uid"));
            Assert.NotEmpty(panel.Items("targets"));
        }
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_one_the_aggregator_exposes_with_its_own_labels()
    {
        foreach (var (where, expression) in Queries(Dashboard()))
        {
            Assert.False(string.IsNullOrWhiteSpace(expression), $"{where} has an empty query");
            var metrics = MetricName().Matches(expression).Select(m => m.Value).ToList();
            Assert.True(metrics.Count > 0, $"{where} queries none of the aggregator's series: {expression}");
            foreach (var metric in metrics)
            {
                Assert.True(SeriesOf(metric).Length > 0, $"{where} queries {metric}, which is not one of the aggregator's series");
            }

            // Grouping and matching only by labels that the queried series have.
            var labels = metrics.Select(SeriesOf).SelectMany(s => Series[s].Labels.Concat(Series[s].Histogram ? ["le"] : Array.Empty<string>()))
                .Concat(TargetLabels).ToHashSet();
            var used = Grouping().Matches(expression).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Concat(Selector().Matches(expression).SelectMany(m => Matcher().Matches(m.Groups[1].Value).Select(l => l.Groups[1].Value)));
            foreach (var label in used)
            {
                Assert.True(labels.Contains(label), $"{where} uses the label '{label}', which {string.Join(", ", metrics)} do not have: {expression}");
            }
        }
    }

    [Fact]
    public void Every_series_the_aggregator_exposes_is_on_the_dashboard()
    {
        var queried = Queries(Dashboard()).SelectMany(q => MetricName().Matches(q.Expression).Select(m => SeriesOf(m.Value))).ToHashSet();

        Assert.Empty(Series.Keys.Except(queried));
    }

    [Fact]
    public void The_dashboard_has_the_panels_operators_look_for()
    {
        var titles = Panels(Dashboard()).Select(p => p.Text("title")!).ToList();
        var expressions = Queries(Dashboard()).Select(q => q.Expression).ToList();

        foreach (var title in new[]
        {
            "Lines/s read vs shipped", "Bytes/s read vs shipped", "Entries rejected by Loki, by reason", "Pushes and retries",
            "Push latency p50 / p99", "Batch size (entries)", "Buffer fill", "Active tails", "Restarts", "Loki up",
            "Oldest unshipped entry age", "Delivery latency p50 / p99",
        })
        {
            Assert.Contains(title, titles);
        }

        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.5,", StringComparison.Ordinal) && e.Contains("aggregator_push_duration_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.99,", StringComparison.Ordinal) && e.Contains("aggregator_push_duration_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.99,", StringComparison.Ordinal) && e.Contains("aggregator_delivery_latency_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("sum by (reason)", StringComparison.Ordinal) && e.Contains("aggregator_entries_rejected_total", StringComparison.Ordinal));
    }

    [Fact]
    public void The_grafana_kustomization_ships_the_dashboard_file_as_a_configmap_for_the_grafana_sidecar()
    {
        var configMap = Assert.Single(Kustomize.Build("k8s/grafana"));

        Assert.Equal("ConfigMap", configMap.Text("kind"));
        Assert.Equal("1", configMap.At("metadata/labels") is JsonObject labels && labels.TryGetPropertyValue("grafana_dashboard", out var value) ? value.Text("") : null);
        var data = (JsonObject)configMap["data"]!;
        Assert.Equal(Repository.ReadText(DashboardFile), data[Path.GetFileName(DashboardFile)].Text(""));
    }
}
