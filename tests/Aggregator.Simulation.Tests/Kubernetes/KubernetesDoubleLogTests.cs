using System.Text;
using System.Text.RegularExpressions;
using Aggregator.Simulation.Kubernetes;
using k8s;
using Xunit;
using static Aggregator.Simulation.Tests.Kubernetes.KubernetesTestKit;

namespace Aggregator.Simulation.Tests.Kubernetes;

public sealed partial class KubernetesDoubleLogTests
{
    private const long Second = 1_000_000_000L;

    [Fact(Timeout = 30000)]
    public async Task The_real_clients_follow_stream_gets_lines_as_written_and_ends_when_the_container_exits()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var first = cluster.WriteLine("default", "p", "app", "before the request");

        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync("p", "default", container: "app", follow: true, timestamps: true);
        using var reader = new StreamReader(stream);
        var line1 = await ReadLineWithin(reader);
        var second = cluster.WriteLine("default", "p", "app", "while following", "stderr");
        var line2 = await ReadLineWithin(reader);
        cluster.TerminateContainer("default", "p", "app");

        Assert.Null(await ReadLineWithin(reader));
        Assert.Matches(TimestampedLine(), line1!);
        Assert.Equal($"{FormatTimestamp(first)} before the request", line1);
        Assert.Equal(first, ParseNanos(line1!));
        Assert.Equal($"{FormatTimestamp(second)} while following", line2);
        Assert.True(second > first);
        var request = Assert.Single(cluster.LogRequests);
        Assert.Equal(("default", "p", "app", true, true, 200), (request.Namespace, request.Pod, request.Container, request.Follow, request.Timestamps, request.StatusCode));
        await WaitUntilAsync(() => cluster.OpenLogStreamCount == 0, "the stream is closed");
    }

    [Fact(Timeout = 30000)]
    public async Task Output_without_a_newline_at_exit_ends_the_log_without_one()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var first = cluster.WriteLine("default", "p", "app", "a whole line");
        var last = cluster.ExitAfterUnterminatedOutput("default", "p", "app", "no newline");
        using var client = ClientFor(cluster);

        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync("p", "default", container: "app", timestamps: true);
        using var reader = new StreamReader(stream);

        Assert.Equal($"{FormatTimestamp(first)} a whole line\n{FormatTimestamp(last)} no newline", await reader.ReadToEndAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Since_time_is_truncated_to_its_second_inclusive_and_checked_per_record()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var s = (KubeTimeNow() / Second - 10) * Second;
        cluster.WriteLine("default", "p", "app", "earlier second", timestampNanos: s - Second + 900_000_000);
        cluster.WriteLine("default", "p", "app", "start of second", timestampNanos: s + 100_000_000);
        cluster.WriteLine("default", "p", "app", "late in second", timestampNanos: s + 700_000_000);
        cluster.WriteLine("default", "p", "app", "next second", timestampNanos: s + Second + 1);
        cluster.WriteLine("default", "p", "app", "stderr, stamped earlier", "stderr", s - Second);
        cluster.WriteLine("default", "p", "app", "after the out-of-order one", timestampNanos: s + Second + 2);
        var sinceTime = Uri.EscapeDataString(FormatTimestamp(s + 600_000_000)[..23] + "+00:00");

        var (status, body) = await GetAsync(cluster, LogPath("default", "p", $"sinceTime={sinceTime}"));

        Assert.Equal(200, status);
        Assert.Equal("start of second\nlate in second\nnext second\nafter the out-of-order one\n", body);
    }

    [Fact(Timeout = 30000)]
    public async Task Since_time_and_since_seconds_together_are_rejected_as_invalid_options()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");

        var (status, body) = await GetAsync(cluster, LogPath("default", "p", "sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z"));

        Assert.Equal(422, status);
        Assert.Contains("at most one of `sinceTime` or `sinceSeconds` may be specified", Json(body).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(422, Assert.Single(cluster.LogRequests).StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task Errors_come_as_status_bodies_with_the_servers_messages()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "one", ["app"]);
        cluster.CreatePod("default", "two", ["a", "b"], initContainers: ["init"]);

        var waiting = await GetAsync(cluster, LogPath("default", "one", "follow=true"));
        var unnamed = await GetAsync(cluster, LogPath("default", "two", ""));
        var invalid = await GetAsync(cluster, LogPath("default", "one", "container=nope"));
        var previous = await GetAsync(cluster, LogPath("default", "one", "previous=true"));
        var missing = await GetAsync(cluster, LogPath("default", "ghost", ""));

        AssertStatus(waiting, 400, "BadRequest", "container \"app\" in pod \"one\" is waiting to start: ContainerCreating");
        AssertStatus(unnamed, 400, "BadRequest", "a container name must be specified for pod two, choose one of: [init a b]");
        AssertStatus(invalid, 400, "BadRequest", "container nope is not valid for pod one");
        AssertStatus(previous, 400, "BadRequest", "previous terminated container \"app\" in pod \"one\" not found");
        AssertStatus(missing, 404, "NotFound", "pods \"ghost\" not found");
        Assert.Equal([400, 400, 400, 400, 404], cluster.LogRequests.Select(r => r.StatusCode));
    }

    [Fact(Timeout = 30000)]
    public async Task Deleting_the_pod_ends_its_follow_streams_and_later_requests_get_404()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "last words");

        var (response, reader) = await OpenAsync(cluster, LogPath("default", "p", "follow=true"));
        using (response)
        {
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("last words", await ReadLineWithin(reader));
            cluster.DeletePod("default", "p");
            Assert.Null(await ReadLineWithin(reader));
        }

        AssertStatus(await GetAsync(cluster, LogPath("default", "p", "")), 404, "NotFound", "pods \"p\" not found");
        Assert.Equal(["last words"], cluster.LogOf("default", "p", "app").Select(r => r.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task A_restart_is_a_new_instance_and_the_old_stream_drains_then_ends()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var oldId = cluster.RunningContainerId("default", "p", "app")!;
        cluster.WriteLine("default", "p", "app", "old 1");

        var (response, reader) = await OpenAsync(cluster, LogPath("default", "p", "follow=true"));
        using (response)
        {
            Assert.Equal("old 1", await ReadLineWithin(reader));
            cluster.WriteLine("default", "p", "app", "old 2");
            cluster.RestartContainer("default", "p", "app");
            cluster.WriteLine("default", "p", "app", "new 1");

            Assert.Equal("old 2", await ReadLineWithin(reader));
            Assert.Null(await ReadLineWithin(reader));
        }

        var pod = await client.CoreV1.ReadNamespacedPodAsync("p", "default");
        var status = Assert.Single(pod.Status.ContainerStatuses);
        var newId = cluster.RunningContainerId("default", "p", "app")!;
        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, status.ContainerID);
        Assert.Equal(1, status.RestartCount);
        Assert.NotNull(status.State.Running);
        Assert.Equal(oldId, status.LastState.Terminated.ContainerID);
        Assert.Equal(1, status.LastState.Terminated.ExitCode);
        Assert.Equal((200, "new 1\n"), await GetAsync(cluster, LogPath("default", "p", "")));
        Assert.Equal((200, "old 1\nold 2\n"), await GetAsync(cluster, LogPath("default", "p", "previous=true")));
        Assert.Equal([(oldId, "old 1"), (oldId, "old 2"), (newId, "new 1")], cluster.LogOf("default", "p", "app").Select(r => (r.ContainerId, r.Line)));
    }

    [Fact(Timeout = 30000)]
    public async Task A_crash_looping_container_serves_its_exited_instance()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "panic");

        cluster.CrashContainer("default", "p", "app");

        Assert.Equal((200, "panic\n"), await GetAsync(cluster, LogPath("default", "p", "follow=true")));
        Assert.Null(cluster.RunningContainerId("default", "p", "app"));
    }

    [Fact(Timeout = 30000)]
    public async Task Lines_over_16_KiB_come_back_with_a_timestamp_per_partial_record()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var line = string.Concat(Enumerable.Range(0, 40 * 1024).Select(i => (char)('a' + (i % 26))));
        var ts = cluster.WriteLine("default", "p", "app", line);
        cluster.WriteLine("default", "p", "app", "short");

        var (_, stamped) = await GetAsync(cluster, LogPath("default", "p", "timestamps=true"));
        var (_, plain) = await GetAsync(cluster, LogPath("default", "p", ""));

        // Each record is stamped as the runtime writes it, a nanosecond after the one before.
        string Prefix(int record) => FormatTimestamp(ts + record) + " ";
        var expected = Prefix(0) + line[..16384] + Prefix(1) + line[16384..32768] + Prefix(2) + line[32768..] + "\n";
        Assert.StartsWith(expected, stamped, StringComparison.Ordinal);
        Assert.EndsWith(" short\n", stamped, StringComparison.Ordinal);
        Assert.Equal(line + "\nshort\n", plain);
    }

    [Fact(Timeout = 30000)]
    public async Task Severed_streams_fail_mid_body_while_others_stay_open()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["a", "b"]);
        cluster.StartPod("default", "p");

        var (cut, cutReader) = await OpenAsync(cluster, LogPath("default", "p", "container=a&follow=true"));
        var (kept, keptReader) = await OpenAsync(cluster, LogPath("default", "p", "container=b&follow=true"));
        using (cut)
        using (kept)
        {
            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 2, "both streams are open");
            cluster.SeverLogStreams(container: "a");

            await Assert.ThrowsAnyAsync<IOException>(() => ReadLineWithin(cutReader));
            cluster.WriteLine("default", "p", "b", "still here");
            Assert.Equal("still here", await ReadLineWithin(keptReader));
            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 1, "only the kept stream is open");
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Hundreds_of_follow_streams_each_get_their_lines()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        const int pods = 200;
        for (var i = 0; i < pods; i++)
        {
            cluster.CreatePod("load", $"p{i}", ["app"]);
            cluster.StartPod("load", $"p{i}");
        }

        var streams = await Task.WhenAll(Enumerable.Range(0, pods).Select(i => OpenAsync(cluster, LogPath("load", $"p{i}", "follow=true"))));
        await WaitUntilAsync(() => cluster.OpenLogStreamCount == pods, "every stream is open", 20000);
        var writers = Enumerable.Range(0, pods).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 20; n++)
            {
                cluster.WriteLine("load", $"p{i}", "app", $"p{i} line {n}");
            }

            cluster.TerminateContainer("load", $"p{i}", "app");
        }));
        await Task.WhenAll(writers);

        var bodies = await Task.WhenAll(streams.Select(s => s.Reader.ReadToEndAsync()));
        for (var i = 0; i < pods; i++)
        {
            Assert.Equal(string.Concat(Enumerable.Range(0, 20).Select(n => $"p{i} line {n}\n")), bodies[i]);
            streams[i].Response.Dispose();
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Tail_lines_and_limit_bytes_cut_the_log_like_the_kubelet()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        foreach (var word in new[] { "one", "two", "three" })
        {
            cluster.WriteLine("default", "p", "app", word);
        }

        Assert.Equal((200, "two\nthree\n"), await GetAsync(cluster, LogPath("default", "p", "tailLines=2")));
        Assert.Equal((200, "one\ntw"), await GetAsync(cluster, LogPath("default", "p", "limitBytes=6")));
    }

    [Fact(Timeout = 30000)]
    public async Task Disposing_the_double_ends_open_streams()
    {
        var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var (log, logReader) = await OpenAsync(cluster, LogPath("default", "p", "follow=true"));
        var (watch, watchReader) = await OpenAsync(cluster, $"/api/v1/pods?watch=true&resourceVersion={cluster.ResourceVersion}");
        using (log)
        using (watch)
        {
            var logEnd = logReader.ReadToEndAsync();
            var watchEnd = watchReader.ReadToEndAsync();

            await cluster.DisposeAsync();

            Assert.Equal("", await logEnd.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("", await watchEnd.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    private static void AssertStatus((int Status, string Body) answer, int code, string reason, string message)
    {
        Assert.Equal(code, answer.Status);
        var json = Json(answer.Body);
        Assert.Equal("Status", json.GetProperty("kind").GetString());
        Assert.Equal("Failure", json.GetProperty("status").GetString());
        Assert.Equal(reason, json.GetProperty("reason").GetString());
        Assert.Equal(message, json.GetProperty("message").GetString());
        Assert.Equal(code, json.GetProperty("code").GetInt32());
    }

    private static long KubeTimeNow() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static string FormatTimestamp(long nanos) =>
        DateTime.UnixEpoch.AddTicks(nanos / Second * TimeSpan.TicksPerSecond).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
        + "." + (nanos % Second).ToString("D9", System.Globalization.CultureInfo.InvariantCulture) + "Z";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z [^ ]")]
    private static partial Regex TimestampedLine();
}
