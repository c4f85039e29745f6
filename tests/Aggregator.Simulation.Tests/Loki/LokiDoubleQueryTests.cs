using System.Globalization;
using Aggregator.Simulation.Loki;
using Xunit;
using static Aggregator.Simulation.Tests.Loki.LokiRequests;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LokiDoubleQueryTests
{
    private const string Selector = "{namespace=\"n\",pod=\"p\",container=\"c\"}";

    [Fact(Timeout = 30000)]
    public async Task Backward_limit_one_returns_the_newest_entry_and_the_end_is_exclusive()
    {
        await using var loki = await LokiDouble.StartAsync();
        var t = (NowNanos / 1000 * 1000) + 987;
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(
            ("{namespace=\"n\", pod=\"p\", container=\"c\"}", [(t - 20, "older"), (t, "newest"), (t - 10, "middle")]),
            ("{namespace=\"n\", pod=\"p\", container=\"c\", extra=\"e\"}", [(t - 5, "other stream")]))));

        var (status, body) = await GetAsync(QueryRange(loki.BaseUri, Selector, Ns(t - 3_600_000_000_000), Ns(t + 1), 1, "backward"));
        var exclusive = Values((await GetAsync(QueryRange(loki.BaseUri, Selector, Ns(t - 3_600_000_000_000), Ns(t), 1, "backward"))).Body);
        var forward = Values((await GetAsync(QueryRange(loki.BaseUri, Selector, Ns(t - 3_600_000_000_000), Ns(t + 1), 2, "forward"))).Body);

        Assert.Equal(200, status);
        var newest = Assert.Single(Values(body));
        Assert.Equal((t, "newest"), (newest.Ts, newest.Line));
        Assert.Equal(new Dictionary<string, string> { ["container"] = "c", ["namespace"] = "n", ["pod"] = "p" }, newest.Stream);
        Assert.Equal((t - 5, "other stream"), (Assert.Single(exclusive).Ts, Assert.Single(exclusive).Line));
        Assert.Equal(["older", "middle"], forward.Select(v => v.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task Ten_digit_integers_are_seconds_and_rfc3339_is_accepted()
    {
        await using var loki = await LokiDouble.StartAsync();
        var t = NowNanos;
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{namespace=\"n\", pod=\"p\", container=\"c\"}", [(t, "x")]))));
        var seconds = t / 1_000_000_000L;

        var bySeconds = Values((await GetAsync(QueryRange(loki.BaseUri, Selector, (seconds - 10).ToString(CultureInfo.InvariantCulture), (seconds + 10).ToString(CultureInfo.InvariantCulture), 10, "backward"))).Body);
        var start = DateTime.UnixEpoch.AddSeconds(seconds - 10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var byRfc3339 = Values((await GetAsync(QueryRange(loki.BaseUri, Selector, start, Ns(t + 1), 10, "backward"))).Body);

        Assert.Single(bySeconds);
        Assert.Single(byRfc3339);
    }

    [Fact(Timeout = 30000)]
    public async Task Not_equal_and_regex_matchers_select_streams()
    {
        await using var loki = await LokiDouble.StartAsync();
        var t = NowNanos;
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(
            ("{app=\"api\", env=\"prod\"}", [(t, "api prod")]),
            ("{app=\"web\", env=\"prod\"}", [(t, "web prod")]),
            ("{app=\"api\", env=\"dev\"}", [(t, "api dev")]))));

        var notDev = Values((await GetAsync(QueryRange(loki.BaseUri, "{env!=\"dev\", app=~\"a.*\"}", Ns(t - 1000), Ns(t + 1), 10, "backward"))).Body);
        var (emptyStatus, emptyBody) = await GetAsync(QueryRange(loki.BaseUri, "{app=~\".*\"}", Ns(t - 1000), Ns(t + 1), 10, "backward"));

        Assert.Equal("api prod", Assert.Single(notDev).Line);
        Assert.Equal(400, emptyStatus);
        Assert.StartsWith("queries require at least one regexp or equality matcher", emptyBody, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Bad_queries_and_injected_failures_are_errors()
    {
        await using var loki = await LokiDouble.StartAsync();
        var t = NowNanos;

        Assert.Equal(400, (await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"", Ns(t - 1), Ns(t), 1, "backward"))).Status);
        Assert.Equal((400, "end timestamp must not be before or equal to start time\n"), await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t), Ns(t), 1, "backward")));
        Assert.Equal(400, (await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - 1), Ns(t), 5001, "backward"))).Status);
        Assert.Equal(
            (400, "the query time range exceeds the limit (query length: 744h0m0s, limit: 30d1h)\n"),
            await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - (31L * 24 * 3600 * 1_000_000_000)), Ns(t), 1, "backward")));

        loki.QueryFailureStatusCode = 503;
        Assert.Equal(503, (await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - 1), Ns(t), 1, "backward"))).Status);
        loki.QueryFailureStatusCode = null;
        Assert.Equal(200, (await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - 1), Ns(t), 1, "backward"))).Status);
    }

    [Fact(Timeout = 30000)]
    public async Task Held_queries_wait_until_released_while_pushes_and_labels_answer()
    {
        await using var loki = await LokiDouble.StartAsync();
        var t = NowNanos;
        loki.HoldQueries();

        var held = GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - 1), Ns(t), 1, "backward"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (loki.QueriesHeld == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the query was not held within 10 s");
            await Task.Delay(10);
        }

        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(t - 1, "x")]))))).Status);
        Assert.Equal(200, (await GetAsync(new Uri(loki.BaseUri, "loki/api/v1/labels"))).Status);
        Assert.False(held.IsCompleted);
        loki.ReleaseQueries();
        Assert.Equal(200, (await held).Status);
        Assert.Equal(0, loki.QueriesHeld);
        Assert.Equal(200, (await GetAsync(QueryRange(loki.BaseUri, "{app=\"a\"}", Ns(t - 1), Ns(t), 1, "backward"))).Status);
    }

    [Fact(Timeout = 30000)]
    public async Task Ready_and_labels_endpoints_answer()
    {
        await using var loki = await LokiDouble.StartAsync();
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{b=\"2\", a=\"1\"}", [(NowNanos, "x")]))));

        Assert.Equal((200, "ready\n"), await GetAsync(new Uri(loki.BaseUri, "ready")));
        Assert.Equal((200, "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}"), await GetAsync(new Uri(loki.BaseUri, "loki/api/v1/labels")));
        Assert.Equal((200, "{\"status\":\"success\",\"data\":[\"2\"]}"), await GetAsync(new Uri(loki.BaseUri, "loki/api/v1/label/b/values")));
    }

    [Fact(Timeout = 30000)]
    public async Task Disposal_stops_the_server()
    {
        var loki = await LokiDouble.StartAsync();
        var ready = new Uri(loki.BaseUri, "ready");
        Assert.Equal(200, (await GetAsync(ready)).Status);

        await loki.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(ready));
    }

    private static string Ns(long nanos) => nanos.ToString(CultureInfo.InvariantCulture);
}
