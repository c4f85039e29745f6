using System.Globalization;
using System.Text.RegularExpressions;

namespace Aggregator.EndToEnd.Tests.Operations;

/// <summary>/metrics on its own port: every series the dashboard uses is there, and each moves with what it counts.</summary>
public sealed partial class MetricsEndpointTests
{
    private const string Ns = "shop";

    private static readonly string[] Series =
    [
        "aggregator_lines_read_total", "aggregator_bytes_read_total", "aggregator_lines_shipped_total", "aggregator_bytes_shipped_total",
        "aggregator_entries_rejected_total", "aggregator_lines_truncated_total", "aggregator_lines_dropped_total",
        "aggregator_push_retries_total", "aggregator_pushes_total", "aggregator_push_duration_seconds", "aggregator_batch_entries",
        "aggregator_buffered_bytes", "aggregator_buffer_capacity_bytes", "aggregator_active_tails", "aggregator_tail_restarts_total",
        "aggregator_watch_restarts_total", "aggregator_loki_up", "aggregator_delivery_latency_seconds", "aggregator_oldest_unshipped_age_seconds",
    ];

    /// <summary>The process's and the .NET runtime's series (prometheus-net's DotNetStats), by which operators size the aggregator.</summary>
    private static readonly string[] ProcessSeries =
    [
        "process_cpu_seconds_total", "process_working_set_bytes", "process_private_memory_bytes", "process_virtual_memory_bytes",
        "process_start_time_seconds", "process_open_handles", "process_num_threads", "dotnet_total_memory_bytes", "dotnet_collection_count_total",
    ];

    private static async Task<string> ScrapeAsync(AggregatorUnderTest test)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(test.MetricsUri, "metrics"));
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one sample, e.g. <c>aggregator_pushes_total{result="delivered"}</c>; 0 when absent.</summary>
    private static double Value(string exposition, string sample)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(sample.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [Fact(Timeout = 60_000)]
    public async Task Every_listed_series_is_exposed_from_the_start()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        await test.StartAggregatorAsync();

        var text = await ScrapeAsync(test);

        foreach (var series in Series.Concat(ProcessSeries))
        {
            Assert.Matches($"(?m)^# TYPE {series} (counter|gauge|histogram)$", text);
        }

        Assert.Contains("aggregator_lines_shipped_total{namespace=\"shop\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_entries_rejected_total{reason=\"too_old\"} 0", text, StringComparison.Ordinal);
        Assert.Equal(16 * 1024 * 1024, Value(text, "aggregator_buffer_capacity_bytes"));
        // Nothing was pushed yet: whether Loki is up is not known, which 0 would misreport as down.
        Assert.Contains("\naggregator_loki_up NaN\n", text, StringComparison.Ordinal);
        Assert.True(Value(text, "process_working_set_bytes") > 0, "the RSS is read at the scrape");
        Assert.True(Value(text, "process_cpu_seconds_total") > 0, "the CPU time is read at the scrape");
        // From the aggregator's own registry: prometheus-net's process-wide default one, which every host of a process
        // shares, would bring its event counters and meters (and other hosts' series) along.
        Assert.All(Family().Matches(text), family => Assert.Matches("^(aggregator|process|dotnet)_", family.Groups[1].Value));
    }

    [Fact(Timeout = 60_000)]
    public async Task Shipping_retrying_and_rejecting_move_their_series()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(500, times: 2);
        await test.StartAggregatorAsync();
        var lines = test.Write(Ns, "web-0", "app", 40);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesShipped == 40, "the counters saw the 40 lines settled");

        var shipped = await ScrapeAsync(test);
        test.Loki.EnqueueResponses(400, times: 1, body: "entry for stream '{app=\"x\"}' has timestamp too old");
        test.Write(Ns, "web-0", "app", 5, "refused");
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRejected == 5, "the refused batch is counted");
        var rejected = await ScrapeAsync(test);

        var bytes = lines.Sum(l => System.Text.Encoding.UTF8.GetByteCount(l));
        Assert.Equal(40, Value(shipped, "aggregator_lines_read_total{namespace=\"shop\"}"));
        Assert.Equal(40, Value(shipped, "aggregator_lines_shipped_total{namespace=\"shop\"}"));
        Assert.Equal(bytes, Value(shipped, "aggregator_bytes_read_total{namespace=\"shop\"}"));
        Assert.Equal(bytes, Value(shipped, "aggregator_bytes_shipped_total{namespace=\"shop\"}"));
        Assert.Equal(2, Value(shipped, "aggregator_push_retries_total{cause=\"server_error\"}"));
        Assert.Equal(0, Value(shipped, "aggregator_push_retries_total{cause=\"throttled\"}"));
        Assert.True(Value(shipped, "aggregator_pushes_total{result=\"delivered\"}") >= 1);
        Assert.Equal(Value(shipped, "aggregator_pushes_total{result=\"delivered\"}") + 2, Value(shipped, "aggregator_push_duration_seconds_count"));
        Assert.True(Value(shipped, "aggregator_batch_entries_count") >= 1);
        Assert.Equal(40, Value(shipped, "aggregator_batch_entries_sum"));
        Assert.Equal(1, Value(shipped, "aggregator_active_tails"));
        Assert.Equal(1, Value(shipped, "aggregator_loki_up"));
        Assert.Equal(5, Value(rejected, "aggregator_entries_rejected_total{reason=\"too_old\"}"));
        Assert.Equal(1, Value(rejected, "aggregator_pushes_total{result=\"rejected\"}"));
        Assert.Equal(45, Value(rejected, "aggregator_lines_read_total{namespace=\"shop\"}"));
        Assert.Equal(40, Value(rejected, "aggregator_lines_shipped_total{namespace=\"shop\"}"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Loki_up_drops_to_0_while_pushes_fail_and_reading_fills_the_buffer_gauge()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(503, times: 1000);
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 10);
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.PushRetries >= 2, "pushes are retried");

        var text = await ScrapeAsync(test);

        Assert.Equal(0, Value(text, "aggregator_loki_up"));
        Assert.True(Value(text, "aggregator_buffered_bytes") > 0);
        Assert.True(Value(text, "aggregator_push_retries_total{cause=\"server_error\"}") >= 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task Loki_refusing_every_push_as_unauthorized_is_down_in_metrics_and_ctl_status_and_unknown_before_the_first_push()
    {
        // A wrong password or tenant: Loki answers every push, and nothing ships.
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(401, times: 1000, body: "no org id");
        // What was read never ships: the stop need not wait the default 25 s for it.
        await test.StartAggregatorAsync(("Aggregator:ShutdownGraceSeconds", "1"));
        var quiet = await ScrapeAsync(test);
        var quietStatus = await Ctl.AgainstAsync(test, "status");

        test.Write(Ns, "web-0", "app", 10);
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.PushRetries >= 2, "pushes are retried");
        var refused = await ScrapeAsync(test);
        var refusedStatus = await Ctl.AgainstAsync(test, "status");

        Assert.True(double.IsNaN(Value(quiet, "aggregator_loki_up")), "aggregator_loki_up before the first push");
        Assert.Matches(@"(?m)^Loki\s+unknown \(no push yet\)$", quietStatus);
        Assert.Equal(0, Value(refused, "aggregator_loki_up"));
        Assert.Equal(0, Value(refused, "aggregator_lines_shipped_total{namespace=\"shop\"}"));
        Assert.Matches(@"(?m)^Loki\s+NOT taking pushes$", refusedStatus);
    }

    [Fact(Timeout = 90_000)]
    public async Task The_oldest_unshipped_age_rises_while_Loki_refuses_and_returns_to_0_once_it_takes_the_lines_again()
    {
        // Well above what a line waits when Loki takes pushes (the batch timeout here is 0.2 s), well below the test's timeout.
        const double threshold = 3;
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.SetDown(503);
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 20, "during the outage");

        var ages = new List<double>();
        string refusing = "";
        await AggregatorUnderTest.Eventually(
            async () =>
            {
                refusing = await ScrapeAsync(test);
                ages.Add(Value(refusing, "aggregator_oldest_unshipped_age_seconds"));
                return ages[^1] > threshold;
            },
            $"aggregator_oldest_unshipped_age_seconds rises above {threshold} s while every push is refused",
            timeoutSeconds: 30);
        test.Loki.SetUp();
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        string recovered = "";
        await AggregatorUnderTest.Eventually(
            async () =>
            {
                recovered = await ScrapeAsync(test);
                return Value(recovered, "aggregator_oldest_unshipped_age_seconds") == 0;
            },
            "aggregator_oldest_unshipped_age_seconds is 0 once Loki has the lines",
            timeoutSeconds: 30);

        Assert.True(Value(refusing, "aggregator_push_retries_total{cause=\"server_error\"}") >= 1);
        // It only rose while nothing was acknowledged: no scrape saw it fall.
        Assert.Equal(ages.Order(), ages);
        Assert.Equal(0, Value(refusing, "aggregator_delivery_latency_seconds_count"));
        // One observation per push Loki stored, and the first of them carried the lines that waited out the outage.
        var delivered = Value(recovered, "aggregator_pushes_total{result=\"delivered\"}");
        Assert.True(delivered >= 1);
        Assert.Equal(delivered, Value(recovered, "aggregator_delivery_latency_seconds_count"));
        Assert.True(
            Value(recovered, "aggregator_delivery_latency_seconds_bucket{le=\"3\"}") < delivered,
            "a push whose oldest entry waited out the outage is counted above 3 s");
        Assert.True(Value(recovered, "aggregator_delivery_latency_seconds_sum") > threshold);
    }

    [Fact(Timeout = 60_000)]
    public async Task Tail_and_watch_restarts_are_counted()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 5);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.OpenLogStreamCount == 1 && test.Kubernetes.WatchRequestCount == 1, "the log and the watch are open");

        test.Kubernetes.SeverLogStreams();
        test.Kubernetes.SeverWatches();
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.WatchRequestCount >= 2, "the watch is opened again");
        test.Write(Ns, "web-0", "app", 5, "after");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

        var text = await ScrapeAsync(test);
        Assert.True(Value(text, "aggregator_tail_restarts_total") >= 1);
        Assert.True(Value(text, "aggregator_watch_restarts_total") >= 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task With_every_namespace_watched_a_namespace_whose_pods_are_gone_loses_its_series_once_shipped_and_idle_and_a_live_one_keeps_them()
    {
        const string Gone = "ci-1234";
        var grace = TimeSpan.FromSeconds(1);
        await using var test = await AggregatorUnderTest.CreateAsync();
        foreach (var ns in new[] { Ns, Gone })
        {
            test.Kubernetes.CreatePod(ns, "web-0", ["app"]);
            test.Kubernetes.StartPod(ns, "web-0");
            test.Write(ns, "web-0", "app", 20);
        }

        await test.StartAggregatorAsync(("Aggregator:Namespaces", "*"), ("Aggregator:Metrics:NamespaceSeriesGraceSeconds", "1"));
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Gone, "web-0", "app"));
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesShipped == 40, "the counters saw the 40 lines settled");

        // Loki goes down while the namespace's last lines are read and its pod is deleted: those lines are still to
        // be counted as shipped, so the namespace keeps its series past the grace for as long as they wait.
        test.Loki.SetDown(503);
        test.Write(Gone, "web-0", "app", 10, "last words");
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRead == 50, "the last words are read");
        test.Kubernetes.DeletePod(Gone, "web-0");
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.ActiveTails == 1, "the deleted pod's tail has ended");
        var tailEnded = DateTimeOffset.UtcNow;
        // The point here is time passing: more than the grace with the namespace's lines held back.
        await AggregatorUnderTest.Eventually(() => DateTimeOffset.UtcNow - tailEnded > grace * 2, "twice the grace has passed");
        var held = await ScrapeAsync(test);
        Assert.Equal(30, Value(held, "aggregator_lines_read_total{namespace=\"ci-1234\"}"));
        Assert.Contains("aggregator_lines_shipped_total{namespace=\"ci-1234\"} 20\n", held, StringComparison.Ordinal);

        test.Loki.SetUp();
        // Shipped, the count moves, and stays visible for the grace before the series go.
        await AggregatorUnderTest.Eventually(
            async () => Value(await ScrapeAsync(test), "aggregator_lines_shipped_total{namespace=\"ci-1234\"}") == 30, "the last words are counted as shipped");
        // Not before the grace is IdleNamespacesTests' to show, on a clock of their own: here the scrape that saw the
        // count may itself have come late.
        await AggregatorUnderTest.Eventually(
            async () => !(await ScrapeAsync(test)).Contains("namespace=\"ci-1234\"", StringComparison.Ordinal), "the gone namespace's series are removed");

        // The live namespace read nothing for all that time, and keeps its series and counts.
        var text = await ScrapeAsync(test);
        Assert.Equal(20, Value(text, "aggregator_lines_read_total{namespace=\"shop\"}"));
        Assert.Contains("aggregator_lines_shipped_total{namespace=\"shop\"} 20\n", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_bytes_shipped_total{namespace=\"shop\"} ", text, StringComparison.Ordinal);
        Assert.Equal(1, Value(text, "aggregator_active_tails"));
    }

    /// <summary>The name of each metric family, from its <c># TYPE</c> line.</summary>
    [GeneratedRegex(@"(?m)^# TYPE (\S+) ")]
    private static partial Regex Family();
}
