using Aggregator.Actors.Tailing;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The namespace mode end to end: pods come, change and go, and every line reaches Loki once.</summary>
public sealed class NamespaceModeTests
{
    private const string Ns = "shop";
    private static readonly Dictionary<string, string> WebLabels = new() { ["app"] = "web", ["team"] = "payments" };

    [Fact(Timeout = 60_000)]
    public async Task Every_line_of_every_container_of_every_pod_arrives_exactly_once_with_its_labels_and_kubelet_timestamp()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        var pods = new[] { "web-0", "web-1", "web-2" };
        var containers = new[] { "app", "sidecar", "metrics" };
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, containers, WebLabels);
            test.Kubernetes.StartPod(Ns, pod);
            foreach (var container in containers)
            {
                test.Write(Ns, pod, container, 40, "before start");
            }
        }

        await test.StartAggregatorAsync(("Aggregator:PodLabels:team", "team"), ("Aggregator:ClusterName", "eu-1"));
        foreach (var pod in pods)
        {
            foreach (var container in containers)
            {
                test.Write(Ns, pod, container, 60, "while running");
            }
        }

        var streams = (from pod in pods from container in containers select (Ns, pod, container)).ToArray();
        await test.WaitForDeliveryAsync(streams);

        var report = test.Report(streams);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(9 * 100, report.Arrived);
        Assert.Equal(0, test.Loki.DuplicatesReceived);
        var stream = Assert.Single(test.Loki.Streams, s => s.Labels["pod"] == "web-1" && s.Labels["container"] == "sidecar");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app"] = "web", ["cluster"] = "eu-1", ["container"] = "sidecar", ["namespace"] = Ns, ["pod"] = "web-1", ["team"] = "payments",
            },
            stream.Labels);
        var written = test.Kubernetes.LogOf(Ns, "web-1", "sidecar");
        Assert.Equal(written.Select(r => (r.TimestampNanos, r.Line)), stream.Entries.Select(e => (e.TimestampNanos, e.Line)));
        Assert.All(test.Kubernetes.LogRequests, r => Assert.True(r.Timestamps && r.Follow));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stopped_aggregator_holds_no_log_request_open()
    {
        // Each follow request holds a stream open through the API server to the kubelet; one left behind after a
        // stop (a restart, a hand-off) would be a second reader of its container.
        await using var test = await AggregatorUnderTest.CreateAsync();
        var pods = new[] { "web-0", "web-1", "web-2" };
        foreach (var pod in pods)
        {
            test.Kubernetes.CreatePod(Ns, pod, ["app", "sidecar"], WebLabels);
            test.Kubernetes.StartPod(Ns, pod);
        }

        await test.StartAggregatorAsync();
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.OpenLogStreamCount == 6, "every container's log is followed");
        await test.StopAggregatorAsync();

        await AggregatorUnderTest.Eventually(() => test.Kubernetes.OpenLogStreamCount == 0, "the stopped aggregator's log requests are closed", 10);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_pod_first_seen_Pending_is_tailed_once_it_runs()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "late-0", ["app"], WebLabels);
        await test.StartAggregatorAsync();
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.WatchRequestCount > 0, "the aggregator watches pods");

        test.Kubernetes.StartPod(Ns, "late-0");
        test.Write(Ns, "late-0", "app", 25);

        await test.WaitForDeliveryAsync((Ns, "late-0", "app"));
        Assert.True(test.Report((Ns, "late-0", "app")).ExactlyOnce);
        Assert.Single(test.Kubernetes.LogRequests, r => r.Pod == "late-0" && r.StatusCode == 200);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_restarted_container_gets_a_tail_for_its_new_instance_and_both_logs_arrive()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "api-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "api-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "api-0", "app", 30, "first instance");
        await test.WaitForDeliveryAsync((Ns, "api-0", "app"));
        var first = test.Kubernetes.RunningContainerId(Ns, "api-0", "app");

        test.Kubernetes.RestartContainer(Ns, "api-0", "app");
        var second = test.Kubernetes.RunningContainerId(Ns, "api-0", "app");
        test.Write(Ns, "api-0", "app", 30, "second instance");

        await test.WaitForDeliveryAsync((Ns, "api-0", "app"));
        var report = test.Report((Ns, "api-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(60, report.Arrived);
        Assert.NotEqual(first, second);
        // One Loki stream for the container, whatever its instance.
        Assert.Single(test.Loki.Streams, s => s.Labels["pod"] == "api-0");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_container_in_CrashLoopBackOff_has_its_last_lines_shipped_and_its_next_instance_tailed()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "flaky-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "flaky-0");
        await test.StartAggregatorAsync();
        for (var crash = 0; crash < 3; crash++)
        {
            test.Write(Ns, "flaky-0", "app", 20, $"life {crash}");
            test.Kubernetes.CrashContainer(Ns, "flaky-0", "app");
            await test.WaitForDeliveryAsync((Ns, "flaky-0", "app"));
            test.Kubernetes.RestartContainer(Ns, "flaky-0", "app");
        }

        test.Write(Ns, "flaky-0", "app", 20, "finally stable");
        await test.WaitForDeliveryAsync((Ns, "flaky-0", "app"));
        var report = test.Report((Ns, "flaky-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(80, report.Arrived);
        Assert.Equal(0, test.Loki.DuplicatesReceived);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_crash_looping_instance_is_drained_from_its_own_log_when_the_next_one_starts_before_the_request_arrives()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "flaky-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "flaky-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "flaky-0", "app", 20, "first life");
        await test.WaitForDeliveryAsync((Ns, "flaky-0", "app"));

        // The tail decides from the pod while the container waits in CrashLoopBackOff; its request reaches the kubelet
        // only after the back-off has ended and the next instance has written.
        var restarted = 0;
        test.Kubernetes.FailRequests(r =>
        {
            if (r.Path.Value!.EndsWith("/log", StringComparison.Ordinal) && r.Query["follow"] != "true" && Interlocked.Exchange(ref restarted, 1) == 0)
            {
                test.Kubernetes.RestartContainer(Ns, "flaky-0", "app");
                test.Write(Ns, "flaky-0", "app", 20, "second life");
            }

            return null;
        });
        test.Kubernetes.CrashContainer(Ns, "flaky-0", "app");
        await AggregatorUnderTest.Eventually(() => Volatile.Read(ref restarted) == 1, "the crashed instance's tail has asked for its log");

        await test.WaitForDeliveryAsync((Ns, "flaky-0", "app"));
        var report = test.Report((Ns, "flaky-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        // The crashed instance's tail read its own log, not the next instance's lines, which that instance's tail sends.
        Assert.Equal(0, test.Loki.DuplicatesReceived);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_tail_whose_log_requests_fail_backs_off_and_recovers_while_the_others_keep_shipping()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app", "broken"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        var refused = 0;
        test.Kubernetes.FailRequests(r => r.Path.Value!.EndsWith("/log", StringComparison.Ordinal) && r.Query["container"] == "broken"
            ? Refuse(ref refused)
            : null);
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "broken", 20, "held by the kubelet");
        await AggregatorUnderTest.Eventually(() => Volatile.Read(ref refused) >= 4, "the failing tail has retried");

        test.Write(Ns, "web-0", "app", 20);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        test.Kubernetes.FailRequests(null);

        await test.WaitForDeliveryAsync((Ns, "web-0", "broken"));
        Assert.True(test.Report((Ns, "web-0", "app"), (Ns, "web-0", "broken")).ExactlyOnce);
        var failures = test.Kubernetes.LogRequests.Where(r => r.Container == "broken" && r.StatusCode == 503).Select(r => r.ReceivedAt).ToList();
        var gaps = failures.Zip(failures.Skip(1), (a, b) => b - a).ToList();
        // Waits of at least 0.25, 0.5 and 1 s (half the doubling ceiling, plus jitter): the retries back off.
        Assert.True(gaps[1] >= TimeSpan.FromSeconds(0.5) && gaps[2] >= TimeSpan.FromSeconds(1), $"retries should back off, gaps were {string.Join(", ", gaps)}");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_last_lines_of_a_deleted_pod_arrive()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "job-0", ["main"], WebLabels);
        test.Kubernetes.StartPod(Ns, "job-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "job-0", "main", 10, "early");
        await test.WaitForDeliveryAsync((Ns, "job-0", "main"));

        test.Write(Ns, "job-0", "main", 50, "last words");
        test.Kubernetes.DeletePod(Ns, "job-0");

        await test.WaitForDeliveryAsync((Ns, "job-0", "main"));
        Assert.True(test.Report((Ns, "job-0", "main")).ExactlyOnce);
        // The tail finds the pod gone and stops; nothing keeps asking for its log.
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.OpenLogStreamCount == 0, "the deleted pod's stream is closed");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_last_output_of_an_exited_container_arrives_even_without_its_newline()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "job-1", ["main"], WebLabels);
        test.Kubernetes.StartPod(Ns, "job-1");
        await test.StartAggregatorAsync();
        test.Write(Ns, "job-1", "main", 10, "working");
        await test.WaitForDeliveryAsync((Ns, "job-1", "main"));

        test.Write(Ns, "job-1", "main", 5, "finishing");
        test.Kubernetes.ExitAfterUnterminatedOutput(Ns, "job-1", "main", "done: 42 records, exiting");

        await test.WaitForDeliveryAsync((Ns, "job-1", "main"));
        Assert.True(test.Report((Ns, "job-1", "main")).ExactlyOnce);
        // Once shipped, the tail finds nothing more in the log and stops.
        await AggregatorUnderTest.Eventually(() => test.Kubernetes.OpenLogStreamCount == 0, "the exited container's stream is closed");
    }

    [Fact(Timeout = 60_000)]
    public async Task Ignored_apps_ignored_containers_and_the_aggregators_own_pod_are_not_tailed()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app", "istio-proxy"], WebLabels);
        test.Kubernetes.CreatePod(Ns, "debug-tools", ["shell"], WebLabels);
        test.Kubernetes.CreatePod(Ns, "aggregator-0", ["aggregator"]);
        foreach (var pod in new[] { "web-0", "debug-tools", "aggregator-0" })
        {
            test.Kubernetes.StartPod(Ns, pod);
        }

        test.Write(Ns, "web-0", "istio-proxy", 20);
        test.Write(Ns, "debug-tools", "shell", 20);
        test.Write(Ns, "aggregator-0", "aggregator", 20);
        test.Write(Ns, "web-0", "app", 20);
        await test.StartAggregatorAsync(("IGNORE_APPS", null), ("Aggregator:IgnoreApps", "debug-,canary-"), ("Aggregator:IgnoreContainers", "istio-proxy"));

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        Assert.Equal(["app"], test.Kubernetes.LogRequests.Select(r => r.Container).Distinct());
        Assert.Equal(["web-0"], test.Kubernetes.LogRequests.Select(r => r.Pod).Distinct());
        Assert.All(test.Loki.Streams, s => Assert.Equal("app", s.Labels["container"]));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_severed_log_stream_resumes_with_no_line_lost_and_none_sent_twice()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        for (var round = 0; round < 3; round++)
        {
            // Many lines within the same second: the resumed request's whole-second sinceTime sends them again.
            test.Write(Ns, "web-0", "app", 200, $"round {round}");
            await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
            var requestsBefore = test.Kubernetes.LogRequests.Count;
            test.Kubernetes.SeverLogStreams(Ns, "web-0", "app");
            await AggregatorUnderTest.Eventually(
                () => test.Kubernetes.LogRequests.Count > requestsBefore && test.Kubernetes.OpenLogStreamCount == 1, "the tail reopened its stream");
        }

        test.Write(Ns, "web-0", "app", 100, "after the last cut");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));

        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(700, report.Arrived);
        Assert.Equal(0, test.Loki.DuplicatesReceived);
        var resumed = test.Kubernetes.LogRequests.Where(r => r.SinceTime is not null).ToList();
        Assert.True(resumed.Count >= 3, $"expected resumed requests with sinceTime, saw {resumed.Count}");
        Assert.All(resumed, r => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r.SinceTime!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Init_and_ephemeral_containers_are_tailed_too()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], WebLabels, initContainers: ["migrate"]);
        await test.StartAggregatorAsync();
        test.Kubernetes.StartInitContainer(Ns, "web-0", "migrate");
        test.Write(Ns, "web-0", "migrate", 15, "migrating");
        test.Kubernetes.CompleteInitContainer(Ns, "web-0", "migrate");
        test.Kubernetes.StartPod(Ns, "web-0");
        test.Write(Ns, "web-0", "app", 15);
        test.Kubernetes.AddEphemeralContainer(Ns, "web-0", "debugger");
        test.Write(Ns, "web-0", "debugger", 15, "debugging");

        await test.WaitForDeliveryAsync((Ns, "web-0", "migrate"), (Ns, "web-0", "app"), (Ns, "web-0", "debugger"));
        Assert.True(test.Report((Ns, "web-0", "migrate"), (Ns, "web-0", "app"), (Ns, "web-0", "debugger")).ExactlyOnce);
    }

    [Fact(Timeout = 60_000)]
    public async Task Several_namespaces_are_watched_and_others_are_not()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        foreach (var ns in new[] { "shop", "billing", "elsewhere" })
        {
            test.Kubernetes.CreatePod(ns, "web-0", ["app"], WebLabels);
            test.Kubernetes.StartPod(ns, "web-0");
            test.Write(ns, "web-0", "app", 20);
        }

        await test.StartAggregatorAsync(("Aggregator:Namespaces", "shop, billing"));

        await test.WaitForDeliveryAsync(("shop", "web-0", "app"), ("billing", "web-0", "app"));
        Assert.DoesNotContain(test.Kubernetes.LogRequests, r => r.Namespace == "elsewhere");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_expired_watch_position_leads_to_a_relist_that_misses_no_pod_and_tails_none_twice()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        test.Write(Ns, "web-0", "app", 10);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var lists = test.Kubernetes.ListRequestCount;

        // The watch ends and cannot be renewed for a while; meanwhile a pod comes and the server compacts its
        // history, so the renewed watch's resourceVersion is too old: 410 Expired.
        var refusedWatches = 0;
        test.Kubernetes.FailRequests(r => r.Query["watch"] == "true" ? Refuse(ref refusedWatches) : null);
        test.Kubernetes.SeverWatches();
        await AggregatorUnderTest.Eventually(() => Volatile.Read(ref refusedWatches) > 0, "the watcher tries to watch again");
        test.Kubernetes.CreatePod(Ns, "web-1", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-1");
        test.Kubernetes.ExpireWatchHistory();
        test.Kubernetes.FailRequests(null);
        test.Write(Ns, "web-1", "app", 10);
        test.Write(Ns, "web-0", "app", 10, "more");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Ns, "web-1", "app"));
        Assert.True(test.Report((Ns, "web-0", "app"), (Ns, "web-1", "app")).ExactlyOnce);
        Assert.True(test.Kubernetes.ListRequestCount > lists, "the watcher listed again after the 410");
        Assert.Single(test.Kubernetes.LogRequests, r => r.Pod == "web-0");
        Assert.Single(test.Kubernetes.LogRequests, r => r.Pod == "web-1");
    }

    private static int? Refuse(ref int count)
    {
        Interlocked.Increment(ref count);
        return 503;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_log_stream_outlives_the_clients_request_timeout()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync(("Aggregator:Kubernetes:RequestTimeoutSeconds", "1"));
        test.Write(Ns, "web-0", "app", 5, "before the quiet");
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var opened = test.Kubernetes.LogRequests.Single().ReceivedAt;

        // The point of this test is time passing: a quiet stream, older than the 1 s client timeout.
        await AggregatorUnderTest.Eventually(() => DateTimeOffset.UtcNow - opened > TimeSpan.FromSeconds(2.5), "the stream is older than the timeout");
        test.Write(Ns, "web-0", "app", 5, "after the quiet");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        Assert.Single(test.Kubernetes.LogRequests);
    }

    [Fact(Timeout = 60_000)]
    public async Task Entries_carry_the_kubelets_nanosecond_timestamps_even_when_stdout_and_stderr_go_backwards()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], WebLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "stdout first", "stdout", now + 500_000_123);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "stderr earlier", "stderr", now + 400_000_001);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "stdout later", "stdout", now + 600_000_999);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var entries = test.Loki.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" });
        Assert.Equal(
            [(now + 500_000_123, "stdout first"), (now + 400_000_001, "stderr earlier"), (now + 600_000_999, "stdout later")],
            entries.Select(e => (e.TimestampNanos, e.Line)));
        Assert.Equal(KubeletTimestamp.Parse(KubeletTimestamp.Format(now + 400_000_001)), now + 400_000_001);
    }
}
