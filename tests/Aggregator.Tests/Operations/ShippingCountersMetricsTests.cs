using System.Net;
using System.Text;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Tests.Pipeline;
using Xunit;

namespace Aggregator.Tests.Operations;

/// <summary>The Prometheus series the counters keep: names, labels, and that each counter instance has its own registry.</summary>
public sealed class ShippingCountersMetricsTests
{
    private static async Task<string> Exposition(ShippingCounters counters)
    {
        using var stream = new MemoryStream();
        await counters.Registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData(0, "no_answer")]
    [InlineData(429, "throttled")]
    [InlineData(500, "server_error")]
    [InlineData(503, "server_error")]
    [InlineData(401, "client_error")]
    [InlineData(403, "client_error")]
    [InlineData(404, "client_error")]
    public void A_retry_is_counted_by_what_it_calls_for(int statusCode, string cause) =>
        Assert.Equal(cause, ShippingCounters.RetryCause(statusCode));

    [Fact(Timeout = 10_000)]
    public async Task A_fresh_instance_exposes_the_unlabelled_series_and_every_rejection_reason_at_zero()
    {
        var counters = new ShippingCounters();
        counters.KnowNamespace("shop");

        var text = await Exposition(counters);

        foreach (var series in new[]
                 {
                     "aggregator_lines_read_total{namespace=\"shop\"} 0", "aggregator_bytes_shipped_total{namespace=\"shop\"} 0",
                     "aggregator_lines_truncated_total 0", "aggregator_lines_dropped_total 0", "aggregator_push_retries_total{cause=\"throttled\"} 0",
                     "aggregator_push_retries_total{cause=\"server_error\"} 0", "aggregator_push_retries_total{cause=\"client_error\"} 0",
                     "aggregator_push_retries_total{cause=\"no_answer\"} 0",
                     "aggregator_pushes_total{result=\"delivered\"} 0", "aggregator_pushes_total{result=\"rejected\"} 0",
                     "aggregator_push_duration_seconds_count 0", "aggregator_batch_entries_count 0", "aggregator_buffered_bytes 0",
                     "aggregator_buffer_capacity_bytes 0", "aggregator_active_tails 0", "aggregator_tail_restarts_total 0",
                     "aggregator_watch_restarts_total 0", "aggregator_loki_up NaN",
                     "aggregator_delivery_latency_seconds_count 0", "aggregator_oldest_unshipped_age_seconds 0",
                 })
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }

        foreach (var reason in RejectionReasons.Known)
        {
            Assert.Contains($"aggregator_entries_rejected_total{{reason=\"{reason}\"}} 0", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Events_move_their_series_per_namespace_and_reason()
    {
        var counters = new ShippingCounters();
        var shop = new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop")]));
        var web = new LogStream(new StreamKey("web", "api-0", "app"), LabelSet.Create([new("namespace", "web")]));
        List<LogEntry> entries = [new(shop, 1, "héllo"), new(shop, 2, "world"), new(web, 3, "abc")];

        counters.Read(new LogChunk(shop, entries[..2]));
        counters.Read(new LogChunk(web, entries[2..]));
        counters.Attempted(TimeSpan.FromMilliseconds(20), ShipOutcome.Delivered);
        counters.Delivered(new PushBatch(entries));
        counters.Attempted(TimeSpan.FromMilliseconds(20), new ShipOutcome(ShipResult.Retryable, 503, "down"));
        counters.Retrying(new ShipOutcome(ShipResult.Retryable, 503, "down"));
        counters.Rejected(new PushBatch(entries), new Dictionary<string, int> { ["too_old"] = 3 }, 0, "too old");
        counters.BatchFormed(3);

        var text = await Exposition(counters);

        Assert.Contains("aggregator_lines_read_total{namespace=\"shop\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_bytes_read_total{namespace=\"shop\"} 11", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_lines_shipped_total{namespace=\"web\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_bytes_shipped_total{namespace=\"shop\"} 11", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_entries_rejected_total{reason=\"too_old\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_pushes_total{result=\"delivered\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_pushes_total{result=\"rejected\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_push_retries_total{cause=\"server_error\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_push_duration_seconds_count 2", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_batch_entries_count 1", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_loki_up 0", text, StringComparison.Ordinal);
        Assert.Equal(14, counters.BytesShipped);
        Assert.False(counters.LokiReachable);
        Assert.DoesNotContain("aggregator_lines_read_total{", await Exposition(new ShippingCounters()), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Whoever_sees_a_rejection_counted_finds_it_in_the_Prometheus_series_too()
    {
        // A test waited for EntriesRejected to reach 5, scraped, and once found the series at 0: it moved second.
        const int rejections = 1_000_000;
        var counters = new ShippingCounters();
        var series = Prometheus.Metrics.WithCustomRegistry(counters.Registry)
            .CreateCounter("aggregator_entries_rejected_total", "Entries Loki refused for good (HTTP 400), by reason.", ["reason"])
            .WithLabels("too_old");
        var stream = new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop")]));
        var batch = new PushBatch([new LogEntry(stream, 1, "late")]);
        var tooOld = new Dictionary<string, int> { ["too_old"] = 1 };
        var behind = new List<string>();

        var rejecting = Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; i < rejections; i++)
                {
                    counters.Rejected(batch, tooOld, 0, "too old");
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        while (!rejecting.IsCompleted && behind.Count < 5)
        {
            // In this order: the count first, as the test read it before it scraped.
            var counted = counters.EntriesRejected;
            var exposed = series.Value;
            if (exposed < counted)
            {
                behind.Add($"{counted} counted, {exposed} in the series");
            }
        }

        await rejecting;
        Assert.Empty(behind);
        Assert.Equal(rejections, series.Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task Tails_started_and_stopped_on_many_threads_at_once_are_counted_exactly_after_every_round()
    {
        // Sharded tails start and stop on whichever threads their entities run: after each round in which every
        // thread started (then stopped) one tail at the same moment, the count must be exact, not one thread's stale view.
        const int threads = 4;
        const int rounds = 20_000;
        var counters = new ShippingCounters();
        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var expected = 0;
        using var barrier = new Barrier(threads, b =>
        {
            if (counters.ActiveTails != expected)
            {
                wrong.Enqueue($"round {b.CurrentPhaseNumber}: {counters.ActiveTails} counted, {expected} running");
            }
        });

        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                for (var round = 0; round < rounds; round++)
                {
                    var starting = round < rounds / 2;
                    if (starting)
                    {
                        counters.TailStarted();
                    }
                    else
                    {
                        counters.TailsStopped();
                    }

                    Interlocked.Add(ref expected, starting ? 1 : -1);
                    barrier.SignalAndWait();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        Assert.Empty(wrong);
        Assert.Equal(0, counters.ActiveTails);
        Assert.Contains("aggregator_active_tails 0", await Exposition(counters), StringComparison.Ordinal);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(200, true)]
    [InlineData(204, true)]
    [InlineData(400, true)]
    [InlineData(413, true)]
    [InlineData(422, true)]
    [InlineData(429, true)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public async Task Loki_counts_as_up_only_when_it_took_the_push_as_a_push(int status, bool up)
    {
        var counters = new ShippingCounters();

        counters.Attempted(TimeSpan.Zero, LokiClient.Classify((HttpStatusCode)status, "answer", retryAfter: null));

        Assert.Equal(up, counters.LokiReachable);
        Assert.Contains($"aggregator_loki_up {(up ? 1 : 0)}\n", await Exposition(counters), StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Loki_is_down_after_an_attempt_that_got_no_answer_and_unknown_before_any()
    {
        var counters = new ShippingCounters();
        var before = await Exposition(counters);

        counters.Attempted(TimeSpan.Zero, new ShipOutcome(ShipResult.Retryable, 0, "Connection refused"));

        Assert.Contains("aggregator_loki_up NaN\n", before, StringComparison.Ordinal);
        Assert.False(counters.LokiReachable);
        Assert.Contains("aggregator_loki_up 0\n", await Exposition(counters), StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task The_oldest_unshipped_age_is_read_at_each_scrape_and_settled_pushes_observe_their_oldest_entry()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));
        var counters = new ShippingCounters(clock: clock);
        var stream = new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop")]));
        var second = 1_000_000_000L;
        var old = new LogChunk(stream, [new(stream, clock.NowNanos - (2 * second), "old"), new(stream, clock.NowNanos - second, "newer")]);
        var fresh = new LogChunk(stream, [new(stream, clock.NowNanos, "fresh")]);
        counters.Read(old);
        counters.Read(fresh);

        clock.Advance(TimeSpan.FromSeconds(40));
        var refusing = await Exposition(counters);
        clock.Advance(TimeSpan.FromSeconds(60));
        var stillRefusing = await Exposition(counters);
        counters.Delivered(new PushBatch([old]));
        counters.Lag.Left(old);
        var halfway = await Exposition(counters);
        counters.Rejected(new PushBatch([fresh]), new Dictionary<string, int> { ["too_old"] = 1 }, 0, "too old");
        counters.Lag.Left(fresh);
        var settled = await Exposition(counters);

        Assert.Contains("aggregator_oldest_unshipped_age_seconds 42\n", refusing, StringComparison.Ordinal);
        Assert.Contains("aggregator_oldest_unshipped_age_seconds 102\n", stillRefusing, StringComparison.Ordinal);
        Assert.Contains("aggregator_oldest_unshipped_age_seconds 100\n", halfway, StringComparison.Ordinal);
        // One observation per push, of its oldest entry: 102 s, in the bucket of 120 s and not in the one of 60 s.
        Assert.Contains("aggregator_delivery_latency_seconds_count 1\n", halfway, StringComparison.Ordinal);
        Assert.Contains("aggregator_delivery_latency_seconds_sum 102\n", halfway, StringComparison.Ordinal);
        Assert.Contains("aggregator_delivery_latency_seconds_bucket{le=\"60\"} 0\n", halfway, StringComparison.Ordinal);
        Assert.Contains("aggregator_delivery_latency_seconds_bucket{le=\"120\"} 1\n", halfway, StringComparison.Ordinal);
        // A push refused whole delivered nothing: no latency to observe. Nothing waits any more: 0, however long ago.
        Assert.Contains("aggregator_delivery_latency_seconds_count 1\n", settled, StringComparison.Ordinal);
        Assert.Contains("aggregator_oldest_unshipped_age_seconds 0\n", settled, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_push_Loki_stored_in_part_observes_its_latency_and_a_chunk_never_handed_on_stops_waiting()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));
        var counters = new ShippingCounters(clock: clock);
        var stream = new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop")]));
        var chunk = new LogChunk(stream, [new(stream, clock.NowNanos, "a"), new(stream, clock.NowNanos, "b")]);
        counters.Read(chunk);
        clock.Advance(TimeSpan.FromSeconds(3));

        counters.Rejected(new PushBatch([chunk]), new Dictionary<string, int> { ["line_too_long"] = 1 }, 1, "line too long");
        counters.NotHandedOn(chunk);
        var text = await Exposition(counters);

        Assert.Contains("aggregator_delivery_latency_seconds_count 1\n", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_delivery_latency_seconds_sum 3\n", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_oldest_unshipped_age_seconds 0\n", text, StringComparison.Ordinal);
    }

    private static LogStream StreamOf(string ns) => new(new StreamKey(ns, "web-0", "app"), LabelSet.Create([new("namespace", ns)]));

    [Fact(Timeout = 10_000)]
    public async Task A_namespace_idle_for_the_grace_loses_its_series_and_one_still_tailed_or_waiting_for_Loki_keeps_them()
    {
        var clock = new ManualClock();
        var counters = new ShippingCounters();
        counters.ExpireIdleNamespacesAfter(TimeSpan.FromMinutes(10), clock);
        var gone = new PushBatch([new LogEntry(StreamOf("ci-1"), 1, "done")]);
        var waiting = new PushBatch([new LogEntry(StreamOf("ci-2"), 1, "held")]);
        foreach (var ns in new[] { "ci-1", "ci-2", "shop" })
        {
            counters.TailOfNamespaceBegan(ns);
        }

        counters.Read(gone.Chunks[0]);
        counters.Read(waiting.Chunks[0]);
        counters.Delivered(gone);
        counters.TailOfNamespaceEnded("ci-1");
        counters.TailOfNamespaceEnded("ci-2");
        clock.Advance(TimeSpan.FromMinutes(10));

        // The scrape itself expires them: no series past its grace is ever exported.
        var text = await Exposition(counters);

        Assert.DoesNotContain("namespace=\"ci-1\"", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_lines_read_total{namespace=\"ci-2\"} 1", text, StringComparison.Ordinal);
        Assert.Equal(2, counters.EntriesRead);

        counters.Rejected(waiting, new Dictionary<string, int> { ["too_old"] = 1 }, 0, "too old");
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["ci-2"], counters.ExpireIdleNamespaces());
        Assert.DoesNotContain("namespace=\"ci-2\"", await Exposition(counters), StringComparison.Ordinal);
        Assert.Empty(counters.ExpireIdleNamespaces());
    }

    [Fact(Timeout = 10_000)]
    public async Task A_namespace_that_comes_back_after_its_series_went_counts_again_from_zero()
    {
        var clock = new ManualClock();
        var counters = new ShippingCounters();
        counters.ExpireIdleNamespacesAfter(TimeSpan.FromMinutes(10), clock);
        var first = new PushBatch([new LogEntry(StreamOf("ci-1"), 1, "one"), new LogEntry(StreamOf("ci-1"), 2, "two")]);
        counters.TailOfNamespaceBegan("ci-1");
        counters.Read(first.Chunks[0]);
        counters.Delivered(first);
        counters.TailOfNamespaceEnded("ci-1");
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["ci-1"], counters.ExpireIdleNamespaces());

        var again = new PushBatch([new LogEntry(StreamOf("ci-1"), 3, "three")]);
        counters.TailOfNamespaceBegan("ci-1");
        counters.Read(again.Chunks[0]);
        counters.Delivered(again);

        var text = await Exposition(counters);
        Assert.Contains("aggregator_lines_read_total{namespace=\"ci-1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("aggregator_lines_shipped_total{namespace=\"ci-1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Equal(3, counters.EntriesShipped);
    }

    [Fact]
    public void A_chunk_the_closing_pipeline_did_not_take_holds_its_namespace_no_longer_than_a_settled_one()
    {
        var clock = new ManualClock();
        var counters = new ShippingCounters(clock: clock);
        counters.ExpireIdleNamespacesAfter(TimeSpan.FromMinutes(10), clock);
        var chunk = new PushBatch([new LogEntry(StreamOf("ci-3"), clock.NowNanos, "late")]).Chunks[0];
        counters.TailOfNamespaceBegan("ci-3");
        counters.Read(chunk);

        counters.NotHandedOn(chunk);
        counters.TailOfNamespaceEnded("ci-3");
        clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(["ci-3"], counters.ExpireIdleNamespaces());
        Assert.Equal(0, counters.Lag.PendingChunks);
    }

    [Fact(Timeout = 10_000)]
    public async Task Without_expiry_as_for_named_namespaces_every_namespace_keeps_its_series()
    {
        var counters = new ShippingCounters();
        counters.KnowNamespace("shop");
        counters.TailOfNamespaceBegan("shop");
        counters.TailOfNamespaceEnded("shop");

        Assert.Empty(counters.ExpireIdleNamespaces());
        Assert.Contains("aggregator_lines_read_total{namespace=\"shop\"} 0", await Exposition(counters), StringComparison.Ordinal);
    }
}
