using Aggregator.Simulation;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;
using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The delivery contract on bad days: nothing lost, nothing doubled, nothing stuck, every fault said once.</summary>
public sealed class DeliveryUnderFaultsTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 60_000)]
    public async Task A_Retry_After_from_a_proxy_in_front_of_Loki_is_honoured()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(429, times: 1, retryAfter: TimeSpan.FromSeconds(2));
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 10);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var pushes = test.Loki.Pushes;
        Assert.Equal(429, pushes[0].StatusCode);
        // The configured backoff tops out at 0.5 s here: only the header explains a 2 s wait.
        Assert.True(pushes[1].Time - pushes[0].Time >= TimeSpan.FromSeconds(1.9), $"waited {pushes[1].Time - pushes[0].Time}");
    }

    [Fact(Timeout = 60_000)]
    public async Task Entries_Loki_refuses_in_a_partial_400_are_counted_by_reason_never_resent_and_the_rest_is_stored()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var eightDays = 8L * 24 * 3600 * 1_000_000_000;
        for (var i = 0; i < 12; i++)
        {
            test.Kubernetes.WriteLine(Ns, "web-0", "app", $"ancient {i}", timestampNanos: now - eightDays + i);
        }

        for (var i = 0; i < 8; i++)
        {
            test.Kubernetes.WriteLine(Ns, "web-0", "app", $"fresh {i}", timestampNanos: now + i);
        }

        await test.StartAggregatorAsync(("Aggregator:Batch:Size", "100"), ("Aggregator:Batch:TimeoutSeconds", "1"));
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRejected + test.Runtime.Counters.EntriesShipped >= 20, "all 20 entries are settled");

        var stored = test.Loki.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" });
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"fresh {i}"), stored.Select(e => e.Line));
        Assert.Equal(12, test.Runtime.Counters.RejectedByReason["too_old"]);
        Assert.Equal(8, test.Runtime.Counters.EntriesShipped);
        Assert.Single(test.Loki.Pushes, p => p.StatusCode == 400);
        Assert.Single(await test.Logs.EventuallyContainingAsync("Loki refused 12 of 20 entries for good", LogLevel.Warning));

        // Later lines are not held up by the refused ones.
        test.Write(Ns, "web-0", "app", 5, "later");
        await test.Loki.WaitUntilAsync(l => l.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" }).Count == 13, TimeSpan.FromSeconds(30));
        Assert.Single(test.Loki.Pushes, p => p.StatusCode == 400);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(403)]
    public async Task Refused_log_requests_are_retried_with_backoff_and_the_log_is_read_once_they_are_answered(int status)
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Write(Ns, "web-0", "app", 20);
        var refused = 0;
        test.Kubernetes.FailRequests(r => r.Path.Value!.EndsWith("/log", StringComparison.Ordinal) && Interlocked.Increment(ref refused) <= 3 ? status : null);
        await test.StartAggregatorAsync();

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        Assert.True(test.Report((Ns, "web-0", "app")).ExactlyOnce);
        Assert.Equal(3, test.Kubernetes.LogRequests.Count(r => r.StatusCode == status));
        var said = Assert.Single(await test.Logs.EventuallyContainingAsync("Log stream of shop/web-0/app", LogLevel.Warning));
        if (status == 403)
        {
            Assert.Contains("needs 'get' on 'pods/log' in namespace shop", said, StringComparison.Ordinal);
        }
    }

    // Over TLS the stream is one of an HTTP/2 connection's: the cut resets that stream, not the connection.
    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_log_stream_cut_in_the_middle_of_a_line_delivers_that_line_once_and_whole(bool tls)
    {
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Tls = tls });
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 10, "before");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

        test.Kubernetes.SeverLogStreams(Ns, "web-0", "app", midLine: true);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "a line long enough to be cut in two halves by the severed connection");
        test.Write(Ns, "web-0", "app", 10, "after");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(0, test.Loki.DuplicatesReceived);
        Assert.True(test.Kubernetes.LogRequests.Count(r => r.Pod == "web-0") >= 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stream_resumed_from_a_second_inside_a_long_line_does_not_ship_the_rest_of_that_line_again()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        // 40,000 bytes are three records for the runtime, each stamped a nanosecond after the last: the first is the
        // last nanosecond of a second, the other two in the next.
        var second = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10) * 1_000_000_000L;
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "before", timestampNanos: second + 500_000_000);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", new string('x', 40_000), timestampNanos: second + 999_999_999);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "two seconds on", timestampNanos: second + 2_500_000_000);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

        // Resumed from the second before the newest line's: the kubelet filters record by record, so the resumed
        // stream begins with the long line's second record.
        test.Kubernetes.SeverLogStreams(Ns, "web-0", "app");
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "after the cut", timestampNanos: second + 3_000_000_000);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(0, test.Loki.DuplicatesReceived);
        Assert.Contains(test.Kubernetes.LogRequests, r => r.Pod == "web-0" && r.SinceTime == KubeTimeOf(second + 1_000_000_000));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_restart_resumed_from_Lokis_position_inside_a_long_line_does_not_ship_the_rest_of_that_line_as_a_line()
    {
        var clock = new SimulatedClock(TimeSpan.FromMinutes(-1));
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Clock = clock });
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        // The long line's three records: the first at the last nanosecond of a second, the other two in the next, which
        // is the first second of the window a restart resumes from (the second before the newest line's).
        var second = (clock.GetUtcNow().ToUnixTimeSeconds() + 1) * 1_000_000_000L;
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "before", timestampNanos: second + 500_000_000);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", new string('x', 40_000), timestampNanos: second + 999_999_999);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "the newest line Loki holds", timestampNanos: second + 2_500_000_000);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        await test.StopAggregatorAsync();
        var requestsBefore = test.Kubernetes.LogRequests.Count;

        await test.StartAggregatorAsync();
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "after the restart", timestampNanos: second + 2_700_000_000);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        // Asked from a second before the window, where the long line begins whole and is passed over.
        Assert.Equal(KubeTimeOf(second), test.Kubernetes.LogRequests.Skip(requestsBefore).First(r => r.Pod == "web-0").SinceTime);
        Assert.NotEmpty(await test.Logs.EventuallyContainingAsync("Loki holds its lines up to"));

        // Resumed within the run from the window's first second: the line passed over has two records there.
        test.Kubernetes.SeverLogStreams(Ns, "web-0", "app");
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "after the cut", timestampNanos: second + 2_900_000_000);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(KubeTimeOf(second + 1_000_000_000), test.Kubernetes.LogRequests.Last(r => r.Pod == "web-0").SinceTime);
    }

    private static string KubeTimeOf(long unixNanos) =>
        DateTime.UnixEpoch.AddTicks(unixNanos / 100).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_follow_stream_that_goes_silent_far_longer_than_usual_is_reopened_without_loss_or_duplicate(bool tls)
    {
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Tls = tls });
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync(("Aggregator:Tail:StallMinimumQuietSeconds", "1"), ("Aggregator:Tail:StallCheckIntervalSeconds", "0.1"));
        test.Write(Ns, "web-0", "app", 10, "before the rotation");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

        // The kubelet (< 1.29) stops sending at a rotation without ending the stream.
        test.Kubernetes.StallLogStreams(Ns, "web-0", "app");
        test.Write(Ns, "web-0", "app", 10, "after the rotation");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(0, test.Loki.DuplicatesReceived);
        Assert.Single(await test.Logs.EventuallyContainingAsync("reopening the stream in case the kubelet stalled it"));
        test.Kubernetes.ResumeStalledLogStreams();
    }

    [Fact(Timeout = 90_000)]
    public async Task A_restarted_aggregator_resumes_from_what_Loki_holds_while_pods_keep_writing()
    {
        // The cluster's clock starts a minute back and moves on as the pods write, a hundred lines a second.
        var clock = new SimulatedClock(TimeSpan.FromMinutes(-1));
        await using var test = await AggregatorUnderTest.CreateAsync(kubernetesOptions: new KubernetesDoubleOptions { Clock = clock });
        test.Kubernetes.CreatePod(Ns, "web-0", ["app", "sidecar"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        for (var second = 0; second < 5; second++)
        {
            test.Write(Ns, "web-0", "app", 60, $"first run, second {second}");
            test.Write(Ns, "web-0", "sidecar", 60, $"first run, second {second}");
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Ns, "web-0", "sidecar"));

        await test.StopAggregatorAsync();
        test.Write(Ns, "web-0", "app", 100, "while down");
        test.Kubernetes.RestartContainer(Ns, "web-0", "sidecar");
        test.Write(Ns, "web-0", "sidecar", 100, "new instance while down");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 100, "second run");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Ns, "web-0", "sidecar"));
        var report = test.Report((Ns, "web-0", "app"), (Ns, "web-0", "sidecar"));
        Assert.True(report.ExactlyOnce, report.ToString());
        // Only the resume window (the second before the newest line) is sent again, and Loki drops it.
        Assert.True(test.Loki.DuplicatesReceived <= 2 * 120, $"{test.Loki.DuplicatesReceived} entries were sent again");
        Assert.NotEmpty(await test.Logs.EventuallyContainingAsync("Loki holds its lines up to"));
    }

    [Fact(Timeout = 90_000)]
    public async Task When_Loki_refuses_the_position_query_logs_are_read_from_their_start_and_that_is_said_once()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app", "sidecar"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 50, "first run");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        await test.StopAggregatorAsync();

        test.Loki.QueryFailureStatusCode = 500;
        test.Write(Ns, "web-0", "app", 50, "while down");
        test.Write(Ns, "web-0", "sidecar", 50, "while down");
        await test.StartAggregatorAsync();

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Ns, "web-0", "sidecar"));
        Assert.True(test.Report((Ns, "web-0", "app"), (Ns, "web-0", "sidecar")).ExactlyOnce);
        Assert.Single(await test.Logs.EventuallyContainingAsync("reading container logs from their start instead", LogLevel.Warning));
        Assert.Equal(50, test.Loki.DuplicatesReceived);
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_resuming_from_Loki_a_restart_reads_everything_again_and_Loki_keeps_one_copy()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync(("Aggregator:Loki:ResumeFromLoki", "false"));
        test.Write(Ns, "web-0", "app", 40);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        await test.StopAggregatorAsync();

        await test.StartAggregatorAsync(("Aggregator:Loki:ResumeFromLoki", "false"));
        await test.Loki.WaitUntilAsync(l => l.DuplicatesReceived == 40, TimeSpan.FromSeconds(30));

        Assert.True(test.Report((Ns, "web-0", "app")).ExactlyOnce);
    }

    [Fact(Timeout = 60_000)]
    public async Task On_shutdown_everything_read_is_flushed_to_Loki_first()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        // A long batch timeout: without the flush, these lines would still be waiting for their batch.
        await test.StartAggregatorAsync(("Aggregator:Batch:TimeoutSeconds", "30"));
        test.Write(Ns, "web-0", "app", 25);
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRead == 25, "the lines are read");
        Assert.Equal(0, test.Loki.EntryCount);

        await test.StopAggregatorAsync();

        Assert.True(test.Report((Ns, "web-0", "app")).ExactlyOnce);
        Assert.NotEmpty(test.Logs.Containing("Everything read was delivered before shutdown (25 entries)"));
    }

    [Fact(Timeout = 60_000)]
    public async Task When_the_grace_period_runs_out_shutdown_says_how_many_entries_were_not_flushed()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Loki.EnqueueResponses(503, times: 1000);
        await test.StartAggregatorAsync(("Aggregator:ShutdownGraceSeconds", "1"));
        test.Write(Ns, "web-0", "app", 25);
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesRead == 25 && test.Loki.Pushes.Count > 0, "a push was tried");

        await test.StopAggregatorAsync();

        Assert.Single(test.Logs.Containing("Shutting down with 25 entries read but not delivered to Loki within the 1 s grace period", LogLevel.Warning));
    }
}
