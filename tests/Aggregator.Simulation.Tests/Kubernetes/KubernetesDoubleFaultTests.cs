using System.Net;
using Aggregator.Simulation.Kubernetes;
using k8s;
using k8s.Autorest;
using Xunit;
using static Aggregator.Simulation.Tests.Kubernetes.KubernetesTestKit;

namespace Aggregator.Simulation.Tests.Kubernetes;

public sealed class KubernetesDoubleFaultTests
{
    [Fact(Timeout = 30000)]
    public async Task A_mid_line_sever_waits_for_the_next_record_sends_half_of_it_then_cuts_and_a_resumed_request_gets_it_whole()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "first");
        var (response, _) = await OpenRawAsync(cluster, LogPath("default", "p", "container=app&follow=true&timestamps=true"));
        long ts;
        using (response.Message)
        {
            await response.Body.ReadUntilAsync(t => t.EndsWith(" first\n", StringComparison.Ordinal));

            cluster.SeverLogStreams("default", "p", "app", midLine: true);
            var cut = response.Body.ReadToEndOrFailureAsync();
            ts = cluster.WriteLine("default", "p", "app", "0123456789");

            Assert.NotNull(await cut);
            var text = response.Body.Text;
            Assert.EndsWith($" first\n{Kube(ts)} 01234", text, StringComparison.Ordinal);
        }

        await WaitUntilAsync(() => cluster.OpenLogStreamCount == 0, "the severed stream is closed");
        var sinceTime = Uri.EscapeDataString(Kube(ts)[..19] + "Z");
        var (status, body) = await GetAsync(cluster, LogPath("default", "p", $"container=app&timestamps=true&sinceTime={sinceTime}"));
        Assert.Equal(200, status);
        Assert.EndsWith($"{Kube(ts)} 0123456789\n", body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task A_mid_line_sever_of_a_stream_with_an_unsent_record_cuts_at_once_on_a_character_boundary()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "A");
        var (stalled, _) = await OpenRawAsync(cluster, LogPath("default", "p", "container=app&follow=true"));
        using (stalled.Message)
        {
            await stalled.Body.ReadUntilAsync(t => t == "A\n");
            cluster.StallLogStreams(container: "app");
            Assert.Equal(1, cluster.StalledLogStreamCount);
            cluster.WriteLine("default", "p", "app", "ab€cd");
            cluster.WriteLine("default", "p", "app", "C");

            // A stream opened after the stall gets everything, which shows both lines are written.
            var (fresh, freshReader) = await OpenAsync(cluster, LogPath("default", "p", "container=app&follow=true"));
            using (fresh)
            {
                Assert.Equal("A", await ReadLineWithin(freshReader));
                Assert.Equal("ab€cd", await ReadLineWithin(freshReader));
                Assert.Equal("C", await ReadLineWithin(freshReader));
                Assert.Equal(1, cluster.StalledLogStreamCount);
            }

            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 1, "only the stalled stream is open");
            cluster.SeverLogStreams(container: "app", midLine: true);

            Assert.NotNull(await stalled.Body.ReadToEndOrFailureAsync());
            Assert.Equal("A\nab", stalled.Body.Text);
        }

        await WaitUntilAsync(() => cluster.OpenLogStreamCount == 0, "the severed stream is closed");
        Assert.Equal(0, cluster.StalledLogStreamCount);
    }

    [Fact(Timeout = 30000)]
    public async Task A_mid_line_sever_cuts_without_a_fragment_when_the_container_ends_first()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "only");
        var (response, _) = await OpenRawAsync(cluster, LogPath("default", "p", "container=app&follow=true"));
        using (response.Message)
        {
            await response.Body.ReadUntilAsync(t => t == "only\n");
            cluster.SeverLogStreams(midLine: true);
            cluster.TerminateContainer("default", "p", "app");

            Assert.NotNull(await response.Body.ReadToEndOrFailureAsync());
            Assert.Equal("only\n", response.Body.Text);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Stalled_streams_stay_open_without_new_records_while_new_streams_get_everything_until_resumed()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app", "side"]);
        cluster.StartPod("default", "p");
        cluster.WriteLine("default", "p", "app", "before");
        var (stalled, stalledReader) = await OpenAsync(cluster, LogPath("default", "p", "container=app&follow=true"));
        var (other, otherReader) = await OpenAsync(cluster, LogPath("default", "p", "container=side&follow=true"));
        using (stalled)
        using (other)
        {
            Assert.Equal("before", await ReadLineWithin(stalledReader));
            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 2, "both streams are open");

            cluster.StallLogStreams("default", "p", "app");
            var pending = ReadLineWithin(stalledReader);
            cluster.WriteLine("default", "p", "app", "missed 1");
            cluster.WriteLine("default", "p", "app", "missed 2");
            cluster.WriteLine("default", "p", "side", "side line");

            Assert.Equal("side line", await ReadLineWithin(otherReader));
            var (fresh, freshReader) = await OpenAsync(cluster, LogPath("default", "p", "container=app&follow=true"));
            using (fresh)
            {
                Assert.Equal("before", await ReadLineWithin(freshReader));
                Assert.Equal("missed 1", await ReadLineWithin(freshReader));
                Assert.Equal("missed 2", await ReadLineWithin(freshReader));
                cluster.WriteLine("default", "p", "app", "after");
                Assert.Equal("after", await ReadLineWithin(freshReader));
            }

            Assert.False(pending.IsCompleted);
            Assert.Equal(1, cluster.StalledLogStreamCount);
            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 2, "the fresh stream has closed and the stalled one is still open");

            cluster.ResumeStalledLogStreams();

            Assert.Equal(0, cluster.StalledLogStreamCount);
            Assert.Equal("missed 1", await pending);
            Assert.Equal("missed 2", await ReadLineWithin(stalledReader));
            Assert.Equal("after", await ReadLineWithin(stalledReader));
            cluster.WriteLine("default", "p", "app", "live again");
            Assert.Equal("live again", await ReadLineWithin(stalledReader));
        }
    }

    [Fact(Timeout = 30000)]
    public async Task A_stalled_stream_ends_cleanly_when_its_container_stops_without_what_it_missed()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        var (response, reader) = await OpenAsync(cluster, LogPath("default", "p", "follow=true"));
        using (response)
        {
            await WaitUntilAsync(() => cluster.OpenLogStreamCount == 1, "the stream is open");
            cluster.StallLogStreams();
            cluster.WriteLine("default", "p", "app", "never delivered");
            cluster.TerminateContainer("default", "p", "app");

            Assert.Equal(string.Empty, await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        await WaitUntilAsync(() => cluster.OpenLogStreamCount == 0, "the stream is closed");
        Assert.Equal(0, cluster.StalledLogStreamCount);
        Assert.Equal((200, "never delivered\n"), await GetAsync(cluster, LogPath("default", "p", "")));
    }

    [Fact(Timeout = 30000)]
    public async Task Injected_log_faults_answer_the_api_servers_status_bodies_per_container()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync(new KubernetesDoubleOptions { UserName = "system:serviceaccount:logging:agg" });
        cluster.CreatePod("shop", "p", ["forbidden", "busy", "broken", "fine"]);
        cluster.StartPod("shop", "p");
        cluster.WriteLine("shop", "p", "fine", "ok");
        cluster.FailRequests(r => r.Query["container"].ToString() switch
        {
            "forbidden" => 403,
            "busy" => 429,
            "broken" => 500,
            _ => null,
        });

        var forbidden = await GetAsync(cluster, LogPath("shop", "p", "container=forbidden&follow=true"));
        using var busy = await Http.GetAsync(At(cluster, LogPath("shop", "p", "container=busy")));
        var broken = await GetAsync(cluster, LogPath("shop", "p", "container=broken"));
        var fine = await GetAsync(cluster, LogPath("shop", "p", "container=fine"));

        AssertStatus(forbidden, 403, "Forbidden",
            "pods \"p\" is forbidden: User \"system:serviceaccount:logging:agg\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"shop\"");
        var details = Json(forbidden.Body).GetProperty("details");
        Assert.Equal(("p", "pods"), (details.GetProperty("name").GetString(), details.GetProperty("kind").GetString()));
        Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
        var busyBody = await busy.Content.ReadAsStringAsync();
        AssertStatus((429, busyBody), 429, "TooManyRequests", "Too many requests, please try again later.");
        Assert.Equal(1, Json(busyBody).GetProperty("details").GetProperty("retryAfterSeconds").GetInt32());
        AssertStatus(broken, 500, "InternalError", "an error on the server (\"simulated fault\") has prevented the request from succeeding");
        Assert.Equal((200, "ok\n"), fine);
        Assert.Equal(
            [("forbidden", 403), ("busy", 429), ("broken", 500), ("fine", 200)],
            cluster.LogRequests.Select(r => (r.Container!, r.StatusCode)));
    }

    [Fact(Timeout = 30000)]
    public async Task The_real_client_sees_an_injected_403_on_a_log_request()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        using var client = ClientFor(cluster);
        cluster.CreatePod("default", "p", ["app"]);
        cluster.StartPod("default", "p");
        cluster.FailRequests(r => r.Path.Value!.EndsWith("/log", StringComparison.Ordinal) ? 403 : null);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodLogAsync("p", "default", container: "app"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("cannot get resource \\\"pods/log\\\" in API group \\\"\\\" in the namespace \\\"default\\\"", error.Response.Content, StringComparison.Ordinal);
        Assert.NotNull(await client.CoreV1.ReadNamespacedPodAsync("p", "default"));
    }

    [Fact(Timeout = 30000)]
    public async Task Injected_403_on_lists_and_watches_names_the_verb_and_scope()
    {
        await using var cluster = await KubernetesApiDouble.StartAsync();
        cluster.FailRequests(_ => 403);

        var list = await GetAsync(cluster, "/api/v1/pods");
        var watch = await GetAsync(cluster, "/api/v1/namespaces/shop/pods?watch=1");
        var get = await GetAsync(cluster, "/api/v1/namespaces/shop/pods/p");

        const string User = "User \"system:serviceaccount:default:log-aggregator\"";
        AssertStatus(list, 403, "Forbidden", $"pods is forbidden: {User} cannot list resource \"pods\" in API group \"\" at the cluster scope");
        AssertStatus(watch, 403, "Forbidden", $"pods is forbidden: {User} cannot watch resource \"pods\" in API group \"\" in the namespace \"shop\"");
        AssertStatus(get, 403, "Forbidden", $"pods \"p\" is forbidden: {User} cannot get resource \"pods\" in API group \"\" in the namespace \"shop\"");
    }

    private static async Task<((HttpResponseMessage Message, RawBody Body) Response, int Status)> OpenRawAsync(KubernetesApiDouble cluster, string pathAndQuery)
    {
        var response = await Http.GetAsync(At(cluster, pathAndQuery), HttpCompletionOption.ResponseHeadersRead);
        return ((response, new RawBody(await response.Content.ReadAsStreamAsync())), (int)response.StatusCode);
    }

    private static string Kube(long nanos) =>
        DateTime.UnixEpoch.AddTicks(nanos / 1_000_000_000L * TimeSpan.TicksPerSecond).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
        + "." + (nanos % 1_000_000_000L).ToString("D9", System.Globalization.CultureInfo.InvariantCulture) + "Z";

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
}
