using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests;

/// <summary>Lines and labels that are not what a shipper hopes for: each kept, repaired or counted, never a stuck pipeline.</summary>
public sealed class BadInputTests
{
    private const string Ns = "shop";

    [Fact(Timeout = 60_000)]
    public async Task A_line_longer_than_the_limit_is_truncated_with_a_marker_and_counted()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        test.Kubernetes.WriteLine(Ns, "web-0", "app", new string('a', 300 * 1024));
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "next");

        await test.Loki.WaitUntilAsync(l => l.EntryCount == 2, TimeSpan.FromSeconds(30));
        var entries = test.Loki.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" });
        Assert.Equal(256 * 1024, System.Text.Encoding.UTF8.GetByteCount(entries[0].Line));
        Assert.EndsWith($"…[truncated {300 * 1024} bytes to {256 * 1024}]", entries[0].Line, StringComparison.Ordinal);
        Assert.Equal("next", entries[1].Line);
        Assert.Equal(1, test.Runtime.Counters.LinesTruncated);
        Assert.Equal(0, test.Runtime.Counters.EntriesRejected);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_line_longer_than_the_limit_can_be_dropped_instead_and_is_counted()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync(("Aggregator:Tail:OverlongLines", "Drop"), ("Aggregator:Tail:MaxLineBytes", "4096"));
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "before");
        test.Kubernetes.WriteLine(Ns, "web-0", "app", new string('a', 5000));
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "after");

        await test.Loki.WaitUntilAsync(l => l.EntryCount == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["before", "after"], test.Loki.EntriesOf(new Dictionary<string, string> { ["pod"] = "web-0" }).Select(e => e.Line));
        Assert.Equal(1, test.Runtime.Counters.LinesDropped);
    }

    [Fact(Timeout = 60_000)]
    public async Task Lines_over_16_KiB_come_back_whole_with_their_first_timestamp_though_the_kubelet_embeds_timestamps_in_them()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        var json = "{\"payload\":\"" + string.Concat(Enumerable.Range(0, 4000).Select(i => $"{i:x4}-é€")) + "\"}";
        test.Kubernetes.WriteLine(Ns, "web-0", "app", json);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", new string('z', 16 * 1024));
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "short");

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var report = test.Report((Ns, "web-0", "app"));
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(json) > 2 * 16 * 1024);
    }

    [Fact(Timeout = 60_000)]
    public async Task Empty_lines_and_lines_whose_timestamps_go_backwards_are_all_kept()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod(Ns, "web-0", ["app"]);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "", "stdout", now + 1000);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "stderr, written later, stamped earlier", "stderr", now + 10);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "  ", "stdout", now + 2000);
        test.Kubernetes.WriteLine(Ns, "web-0", "app", "stdout again", "stdout", now + 3000);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        Assert.True(test.Report((Ns, "web-0", "app")).ExactlyOnce);
    }

    [Fact(Timeout = 60_000)]
    public async Task Label_keys_are_sanitised_values_escaped_and_labels_beyond_Lokis_limit_left_out_with_one_warning()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        var podLabels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "web",
            ["team"] = "pay \"ments\" \\ ops\nnight shift — équipe 夜",
        };
        var settings = new List<(string, string?)> { ("Aggregator:PodLabels:team", "team") };
        for (var i = 0; i < 20; i++)
        {
            podLabels[$"example.com/extra-{i:00}"] = $"value {i}";
            settings.Add(($"Aggregator:PodLabels:example.com/extra-{i:00}", $"z_extra_{i:00}"));
        }

        test.Kubernetes.CreatePod(Ns, "web-0", ["app"], podLabels);
        test.Kubernetes.StartPod(Ns, "web-0");
        await test.StartAggregatorAsync([.. settings]);
        test.Write(Ns, "web-0", "app", 5);

        await test.WaitForDeliveryAsync((Ns, "web-0", "app"));
        var stream = Assert.Single(test.Loki.Streams);
        Assert.Equal(15, stream.Labels.Count);
        Assert.Equal("web", stream.Labels["app"]);
        Assert.Equal(podLabels["team"], stream.Labels["team"]);
        Assert.Equal("value 0", stream.Labels["z_extra_00"]);
        Assert.False(stream.Labels.ContainsKey("z_extra_19"));
        var warning = Assert.Single(await test.Logs.EventuallyContainingAsync("left out of the stream's labels", LogLevel.Warning));
        Assert.Contains("example.com/extra-19", warning, StringComparison.Ordinal);
        Assert.Equal(0, test.Runtime.Counters.EntriesRejected);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_namespace_with_no_pods_at_start_is_said_once_as_a_warning_naming_it()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        test.Kubernetes.CreatePod("other", "web-0", ["app"]);
        test.Kubernetes.StartPod("other", "web-0");

        // A typo: the pods are in "other".
        await test.StartAggregatorAsync(("Aggregator:Namespaces", "shpo"));

        var warning = Assert.Single(await test.Logs.EventuallyContainingAsync("Namespace shpo has no pods", LogLevel.Warning));
        Assert.Contains("check that NAMESPACE names it", warning, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_namespace_with_a_thousand_containers_and_a_pod_with_fifty_are_shipped_exactly_once()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        var streams = new List<(string, string, string)>();
        for (var p = 0; p < 95; p++)
        {
            var containers = Enumerable.Range(0, 10).Select(c => $"c{c}").ToArray();
            test.Kubernetes.CreatePod(Ns, $"pod-{p:000}", containers);
            test.Kubernetes.StartPod(Ns, $"pod-{p:000}");
            streams.AddRange(containers.Select(c => (Ns, $"pod-{p:000}", c)));
        }

        var fifty = Enumerable.Range(0, 50).Select(c => $"side-{c:00}").ToArray();
        test.Kubernetes.CreatePod(Ns, "big-pod", fifty);
        test.Kubernetes.StartPod(Ns, "big-pod");
        streams.AddRange(fifty.Select(c => (Ns, "big-pod", c)));
        Assert.Equal(1000, streams.Count);

        await test.StartAggregatorAsync();
        foreach (var (ns, pod, container) in streams)
        {
            test.Write(ns, pod, container, 5);
        }

        await test.Loki.WaitUntilAsync(l => l.EntryCount >= 5000, TimeSpan.FromSeconds(90));
        var report = test.Report([.. streams]);
        Assert.True(report.ExactlyOnce, report.ToString());
        Assert.Equal(5000, report.Arrived);
        Assert.Equal(1000, test.Kubernetes.LogRequests.Select(r => (r.Pod, r.Container)).Distinct().Count());
    }
}
