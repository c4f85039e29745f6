using System.Net;
using System.Text.Json;
using Aggregator.Host;
using Aggregator.Simulation;

namespace Aggregator.EndToEnd.Tests.Operations;

/// <summary>Each <c>aggregator ctl</c> command against a running aggregator, over loopback HTTP: its table and its JSON.</summary>
public sealed class CtlCommandTests
{
    private const string Ns = "shop";

    private static async Task<AggregatorUnderTest> RunningWithTwoPodsAsync(params (string Key, string? Value)[] settings)
    {
        var test = await AggregatorUnderTest.CreateAsync();
        foreach (var pod in new[] { "web-0", "web-1" })
        {
            test.Kubernetes.CreatePod(Ns, pod, ["app"], new Dictionary<string, string> { ["app"] = "web", ["team"] = "payments" });
            test.Kubernetes.StartPod(Ns, pod);
        }

        await test.StartAggregatorAsync([("Aggregator:PodLabels:team", "team"), .. settings]);
        test.Write(Ns, "web-0", "app", 30);
        test.Write(Ns, "web-1", "app", 20);
        await test.WaitForDeliveryAsync((Ns, "web-0", "app"), (Ns, "web-1", "app"));
        await AggregatorUnderTest.Eventually(() => test.Runtime.Counters.EntriesShipped == 50, "the counters saw the 50 lines settled");
        return test;
    }

    [Fact(Timeout = 60_000)]
    public async Task Status_shows_mode_namespaces_tails_lines_shipped_buffer_and_Loki()
    {
        await using var test = await RunningWithTwoPodsAsync();

        var table = await Ctl.AgainstAsync(test, "status");
        var json = JsonDocument.Parse(await Ctl.AgainstAsync(test, "status", "--json")).RootElement;

        Assert.Matches(@"(?m)^Mode\s+namespace$", table);
        Assert.Matches(@"(?m)^Namespaces\s+shop$", table);
        Assert.Matches(@"(?m)^Tails running\s+2$", table);
        Assert.Matches(@"(?m)^Lines shipped\s+50 \(", table);
        Assert.Matches(@"(?m)^Buffered\s+.* of 16\.0 MiB", table);
        Assert.Matches(@"(?m)^Loki\s+taking pushes$", table);
        Assert.Matches(@"(?m)^Last push error\s+-$", table);
        Assert.Equal("namespace", json.GetProperty("mode").GetString());
        Assert.Equal(["shop"], json.GetProperty("namespaces").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, json.GetProperty("tailsRunning").GetInt32());
        Assert.Equal(50, json.GetProperty("linesShipped").GetInt64());
        Assert.True(json.GetProperty("bytesShipped").GetInt64() > 0);
        Assert.Equal(16L * 1024 * 1024, json.GetProperty("bufferCapacityBytes").GetInt64());
        Assert.True(json.GetProperty("lokiReachable").GetBoolean());
        Assert.Equal(test.Loki.BaseUri + "loki/api/v1/push", json.GetProperty("destination").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Tails_lists_each_container_with_its_labels_state_lines_and_last_entry_and_filters()
    {
        await using var test = await RunningWithTwoPodsAsync();

        var table = (await Ctl.AgainstAsync(test, "tails")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var onlyWeb1 = await Ctl.AgainstAsync(test, "tails", "--pod", "web-1");
        var json = JsonDocument.Parse(await Ctl.AgainstAsync(test, "tails", "--json", "--namespace", Ns, "--state", "follow")).RootElement;

        Assert.Matches(@"^NAMESPACE\s+POD\s+CONTAINER\s+ID\s+STATE\s+LINES\s+BYTES\s+LAST ENTRY\s+LAG\s+RESTARTS\s+LABELS\s+LAST ERROR$", table[0]);
        Assert.Matches(@"^shop\s+web-0\s+app\s+[0-9a-f]{12}\s+following\s+30\s+\S+ B\s+\d{4}-\d\d-\d\dT\S+Z\s+\S+s\s+0\s+app=web,team=payments\s+-$", table[1]);
        Assert.Matches(@"^shop\s+web-1\s+app\s+", table[2]);
        Assert.Equal("2 tails", table[3].TrimEnd());
        Assert.DoesNotContain("web-0", onlyWeb1, StringComparison.Ordinal);
        Assert.Contains("1 tail", onlyWeb1, StringComparison.Ordinal);
        Assert.Equal(2, json.GetArrayLength());
        var first = json[0];
        Assert.Equal("web-0", first.GetProperty("pod").GetString());
        Assert.Equal("following", first.GetProperty("state").GetString());
        Assert.Equal(30, first.GetProperty("linesRead").GetInt64());
        Assert.Equal("payments", first.GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal(test.Kubernetes.LogOf(Ns, "web-0", "app")[^1].TimestampNanos / 100, (first.GetProperty("lastEntry").GetDateTime() - DateTime.UnixEpoch).Ticks);
        Assert.True(first.GetProperty("lagSeconds").GetDouble() >= 0);
        Assert.Equal("[]", (await Ctl.AgainstAsync(test, "tails", "--state", "draining", "--json")).Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task Actor_hierarchy_shows_the_live_tree_under_user()
    {
        await using var test = await RunningWithTwoPodsAsync();

        var tree = await Ctl.AgainstAsync(test, "actor", "hierarchy");
        var json = JsonDocument.Parse(await Ctl.AgainstAsync(test, "actor", "hierarchy", "--json")).RootElement;

        Assert.StartsWith("/user  (", tree, StringComparison.Ordinal);
        Assert.Contains("─ loki-push  (PushDispatcher)", tree, StringComparison.Ordinal);
        Assert.Matches(@"─ pusher-\d+  \(LokiPusher\)", tree);
        Assert.Contains("─ pod-watcher-shop  (PodWatcher)", tree, StringComparison.Ordinal);
        Assert.Contains("─ tails  (ContainerTails)", tree, StringComparison.Ordinal);
        // Each tail is the registry's own child, named by its tail id: no supervisor stands between them.
        Assert.Matches(@"─ shop_web-\S+  \(ContainerTail\)", tree);
        Assert.Equal("/user", json.GetProperty("path").GetString());
        var tails = json.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "tails");
        Assert.Equal(2, tails.GetProperty("children").GetArrayLength());
        Assert.All(tails.GetProperty("children").EnumerateArray(), t => Assert.StartsWith("/user/tails/shop_web-", t.GetProperty("path").GetString(), StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Logs_shows_the_aggregator_s_own_most_recent_lines()
    {
        await using var test = await RunningWithTwoPodsAsync(("Logging:LogLevel:Default", "Information"));

        var all = await Ctl.AgainstAsync(test, "logs", "--lines", "1000");
        var two = (await Ctl.AgainstAsync(test, "logs", "--lines", "2")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var json = JsonDocument.Parse(await Ctl.AgainstAsync(test, "logs", "--json")).RootElement;

        Assert.Matches(@"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info \S+: .*Tailing shop/web-0/app ", all);
        Assert.Equal(2, two.Length);
        Assert.True(json.GetProperty("lines").GetArrayLength() > 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cluster_show_and_sharding_describe_this_single_node_with_every_tail_as_an_entity()
    {
        await using var test = await RunningWithTwoPodsAsync();

        var show = await Ctl.AgainstAsync(test, "cluster", "show");
        var regions = await Ctl.AgainstAsync(test, "cluster", "sharding", "regions");
        var stats = await Ctl.AgainstAsync(test, "cluster", "sharding", "stats");
        var member = JsonDocument.Parse(await Ctl.AgainstAsync(test, "cluster", "show", "--json")).RootElement.GetProperty("members").EnumerateArray().Single();
        var region = JsonDocument.Parse(await Ctl.AgainstAsync(test, "cluster", "sharding", "regions", "--json")).RootElement.GetProperty("regions")[0];

        Assert.Contains("Mode: single-node", show, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^akka://aggregator\s+Up\s+aggregator\s+\d{4}-", show);
        Assert.Matches(@"(?m)^tails\s+/user/tails\s+1\s+2$", regions);
        Assert.Matches(@"(?m)^tails\s+akka://aggregator\s+0\s+2$", stats);
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.Equal(["aggregator"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(2, region.GetProperty("entities").GetInt32());
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_an_aggregator_listening_ctl_says_so_in_one_line_and_exits_non_zero()
    {
        // Below the ephemeral range: no double of a test running beside this one, bound at port 0, can be there.
        var port = LoopbackPorts.Reserve();

        var result = await Ctl.RunAsync("status", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        var error = result.Error.TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith($"aggregator ctl: no aggregator is listening on 127.0.0.1:{port}", error, StringComparison.Ordinal);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("--address", "not an address", "--address is 'not an address': expected a host name or an IP address, such as 127.0.0.1, without a scheme or a port (--port sets the port)")]
    [InlineData("--address", "http://x", "--address is 'http://x': expected a host name or an IP address")]
    [InlineData("--address", "http://127.0.0.1:9110/", "--address is 'http://127.0.0.1:9110/': expected a host name or an IP address")]
    [InlineData("--address", "127.0.0.1:9110", "--address is '127.0.0.1:9110': expected a host name or an IP address")]
    [InlineData("--address", "[::1]:9110", "--address is '[::1]:9110': expected a host name or an IP address")]
    [InlineData("--token", "s3cret\nmore", "--token holds a line break: expected the admin token alone, on one line")]
    [InlineData("--timeout", "0", "--timeout is 0: expected the seconds to wait for the answer, above 0 and at most 3600")]
    [InlineData("--timeout", "-1", "--timeout is -1: expected the seconds to wait for the answer, above 0 and at most 3600")]
    public async Task A_bad_option_value_is_said_in_one_line_naming_the_option_and_exits_1(string option, string value, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await Program.RunAsync(["ctl", "status", option, value], output, error);

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output.ToString());
        var line = error.ToString().TrimEnd();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("aggregator ctl: " + message, line, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_executable_says_a_bad_admin_address_in_one_line_whether_an_option_or_a_setting_gave_it()
    {
        var option = await ExecutableRun.RunAsync(["ctl", "status", "--address", "not an address"]);
        var setting = await ExecutableRun.RunAsync(["ctl", "status"], environment: new Dictionary<string, string> { ["Aggregator__Admin__Address"] = "http://x" });

        Assert.Equal(1, option.ExitCode);
        Assert.Equal(
            "aggregator ctl: --address is 'not an address': expected a host name or an IP address, such as 127.0.0.1, without a scheme or a port (--port sets the port)",
            option.StandardError.TrimEnd());
        Assert.Equal(1, setting.ExitCode);
        Assert.Equal(
            "aggregator ctl: invalid configuration: Aggregator:Admin:Address is 'http://x': expected a host name or an IP address, such as 127.0.0.1, without a scheme or a port (--port sets the port)",
            setting.StandardError.TrimEnd());
    }

    [Fact(Timeout = 60_000)]
    public async Task With_a_token_the_admin_endpoint_answers_only_requests_that_carry_it()
    {
        await using var test = await AggregatorUnderTest.CreateAsync();
        await test.StartAggregatorAsync(("Aggregator:Admin:Token", "s3cret"));
        var port = test.AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var without = await Ctl.RunAsync("status", "--port", port);
        var wrong = await Ctl.RunAsync("status", "--port", port, "--token", "guess");
        var right = await Ctl.RunAsync("status", "--port", port, "--token", "s3cret");
        using var http = new HttpClient();
        using var plain = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/v1/status"));

        Assert.Equal(1, without.ExitCode);
        Assert.Equal($"aggregator ctl: the aggregator at 127.0.0.1:{port} refused the request: it needs its admin token (ADMIN_TOKEN or --token)", without.Error.TrimEnd());
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(0, right.ExitCode);
        Assert.Contains("Mode", right.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_admin_address_off_loopback_without_a_token_stops_the_aggregator_with_exit_code_2()
    {
        var kubeconfig = await UnreachableCluster.WriteKubeconfigAsync();
        try
        {
            var errors = new StringWriter();

            var exitCode = await RunCommand.RunAsync(
                [$"--Aggregator:Kubernetes:Kubeconfig={kubeconfig}", "--Aggregator:Admin:Address=0.0.0.0"], CancellationToken.None, errors);

            Assert.Equal(2, exitCode);
            var output = errors.ToString().TrimEnd();
            Assert.DoesNotContain('\n', output);
            Assert.StartsWith("aggregator: invalid configuration: Aggregator:Admin:Address is '0.0.0.0', which is not loopback", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
