using System.Globalization;
using System.Text;
using Aggregator.Simulation.Loki;
using Google.Protobuf;
using Snappier;
using Xunit;
using static Aggregator.Simulation.Tests.Loki.LokiRequests;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LokiDoublePushTests
{
    private static readonly Dictionary<string, string> AppA = new() { ["app"] = "a" };

    [Fact(Timeout = 30000)]
    public async Task Snappy_protobuf_push_is_stored_with_nanosecond_timestamps()
    {
        await using var loki = await LokiDouble.StartAsync();
        var ts = (NowNanos / 1_000_000_000L * 1_000_000_000L) + 123_456_789;

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{pod=\"p\", app=\"a\"}", [(ts, "first"), (ts + 1, "second")]))));

        Assert.Equal(204, status);
        Assert.Equal(string.Empty, body);
        var stream = Assert.Single(loki.Streams);
        Assert.Equal("{app=\"a\",pod=\"p\"}", stream.LabelString);
        Assert.Equal([new StoredEntry(ts, "first"), new StoredEntry(ts + 1, "second")], stream.Entries);
        Assert.Equal(2, loki.EntryCount);
        Assert.Equal(2, loki.EntriesOf(AppA).Count);
        var push = Assert.Single(loki.Pushes);
        Assert.Equal((204, "application/x-protobuf", 1, 2, 0), (push.StatusCode, push.ContentType, push.StreamCount, push.EntryCount, push.RejectedCount));
    }

    [Fact(Timeout = 30000)]
    public async Task Json_push_is_stored_with_structured_metadata()
    {
        await using var loki = await LokiDouble.StartAsync();
        var ts = NowNanos;
        var json = $$"""{"streams":[{"stream":{"app":"a","empty":""},"values":[["{{ts}}","hello"],["{{ts + 1}}","with meta",{"trace_id":"t1"}]]}]}""";

        var (status, _) = await PushAsync(loki.PushUri, Json(json));

        Assert.Equal(204, status);
        var stream = Assert.Single(loki.Streams);
        Assert.Equal("{app=\"a\"}", stream.LabelString);
        Assert.Equal("hello", stream.Entries[0].Line);
        Assert.Null(stream.Entries[0].StructuredMetadata);
        Assert.Equal("t1", stream.Entries[1].StructuredMetadata!["trace_id"]);
    }

    [Fact(Timeout = 30000)]
    public async Task Missing_content_type_is_rejected_like_go_mime()
    {
        await using var loki = await LokiDouble.StartAsync();

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "x")])), contentType: null));

        Assert.Equal(400, status);
        Assert.Equal("mime: no media type\n", body);
        Assert.Equal(0, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Any_other_content_type_is_read_as_snappy_protobuf()
    {
        await using var loki = await LokiDouble.StartAsync();

        var (status, _) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "x")])), contentType: "application/octet-stream"));

        Assert.Equal(204, status);
        Assert.Equal(1, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Unsupported_content_encoding_is_rejected()
    {
        await using var loki = await LokiDouble.StartAsync();
        var content = SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "x")])));
        content.Headers.ContentEncoding.Add("br");

        var (status, body) = await PushAsync(loki.PushUri, content);

        Assert.Equal(400, status);
        Assert.Equal("Content-Encoding \"br\" not supported\n", body);
    }

    [Fact(Timeout = 30000)]
    public async Task Snappy_content_encoding_is_ignored_and_gzip_is_undone_first()
    {
        await using var loki = await LokiDouble.StartAsync();
        var snappyEncoded = SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "snappy header")])));
        snappyEncoded.Headers.ContentEncoding.Add("snappy");
        var gzippedProtobuf = Gzip(Snappy.CompressToArray(Push(("{app=\"a\"}", [(NowNanos + 1, "gzip protobuf")])).ToByteArray()), "application/x-protobuf");
        var gzippedJson = Gzip(Encoding.UTF8.GetBytes($$"""{"streams":[{"stream":{"app":"a"},"values":[["{{NowNanos + 2}}","gzip json"]]}]}"""), "application/json");

        Assert.Equal(204, (await PushAsync(loki.PushUri, snappyEncoded)).Status);
        Assert.Equal(204, (await PushAsync(loki.PushUri, gzippedProtobuf)).Status);
        Assert.Equal(204, (await PushAsync(loki.PushUri, gzippedJson)).Status);

        Assert.Equal(["snappy header", "gzip protobuf", "gzip json"], loki.EntriesOf(AppA).Select(e => e.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task Corrupt_snappy_or_framed_snappy_is_rejected()
    {
        await using var loki = await LokiDouble.StartAsync();
        var notSnappy = new ByteArrayContent([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]);
        notSnappy.Headers.ContentType = new("application/x-protobuf");
        using var framed = new MemoryStream();
        using (var stream = new SnappyStream(framed, System.IO.Compression.CompressionMode.Compress, leaveOpen: true))
        {
            stream.Write(Push(("{app=\"a\"}", [(NowNanos, "x")])).ToByteArray());
        }

        var framedContent = new ByteArrayContent(framed.ToArray());
        framedContent.Headers.ContentType = new("application/x-protobuf");

        Assert.Equal((400, "snappy: corrupt input\n"), await PushAsync(loki.PushUri, notSnappy));
        Assert.Equal(400, (await PushAsync(loki.PushUri, framedContent)).Status);
        Assert.Equal(0, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Exact_duplicates_are_dropped_and_counted_but_same_line_with_new_timestamp_is_kept()
    {
        await using var loki = await LokiDouble.StartAsync();
        var ts = NowNanos;
        var request = Push(("{app=\"a\"}", [(ts, "line"), (ts + 1, "other")]));

        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(request))).Status);
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(request))).Status);
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(ts + 2, "line"), (ts, "same ts other line")]))))).Status);

        Assert.Equal(2, loki.DuplicatesReceived);
        Assert.Equal(["line", "other", "line", "same ts other line"], loki.EntriesOf(AppA).Select(e => e.Line));
        Assert.Equal(2, loki.Pushes[1].DuplicateCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Invalid_entries_get_a_partial_400_and_the_valid_ones_are_stored()
    {
        var now = DateTimeOffset.Parse("2025-03-01T12:00:00Z", CultureInfo.InvariantCulture);
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { TimeProvider = new FixedTime(now), MaxLineSizeBytes = 10 });
        var nowNanos = NanosOf(now);
        var hour = 3_600_000_000_000L;
        var tooOld = nowNanos - (8 * 24 * hour);
        var tooNew = nowNanos + (hour / 2);
        var tooFarBehind = nowNanos - (2 * hour);

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(
            ("{app=\"a\", pod=\"p\"}", [(nowNanos, "newest"), (tooOld, "old"), (tooNew, "new"), (nowNanos - 1, "far too long line"), (tooFarBehind, "behind"), (nowNanos - 2, "valid")]),
            ("{app=\"b\"}", [(nowNanos, "other")]))));

        Assert.Equal(400, status);
        string[] expected =
        [
            "entry with timestamp 2025-02-21 12:00:00 +0000 UTC ignored, reason: 'entry for stream '{app=\"a\", pod=\"p\"}' has timestamp too old: 2025-02-21T12:00:00Z, oldest acceptable timestamp is: 2025-02-22T12:00:00Z',",
            "entry with timestamp 2025-03-01 12:30:00 +0000 UTC ignored, reason: 'entry for stream '{app=\"a\", pod=\"p\"}' has timestamp too new: 2025-03-01T12:30:00Z',",
            "entry with timestamp 2025-03-01 11:59:59.999999999 +0000 UTC ignored, reason: 'Max entry size '10' bytes exceeded for stream '{app=\"a\", pod=\"p\"}' while adding an entry with length '17' bytes',",
            "entry with timestamp 2025-03-01 10:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2025-03-01T10:00:00Z, oldest acceptable timestamp is: 2025-03-01T11:00:00Z',",
            "user 'fake', total ignored: 4 out of 7",
            string.Empty,
        ];
        Assert.Equal(string.Join('\n', expected), body);
        Assert.Equal(["newest", "valid"], loki.EntriesOf(AppA).Select(e => e.Line));
        Assert.Equal("other", Assert.Single(loki.EntriesOf(new Dictionary<string, string> { ["app"] = "b" })).Line);
        var push = Assert.Single(loki.Pushes);
        Assert.Equal((400, 2, 7, 4), (push.StatusCode, push.StreamCount, push.EntryCount, push.RejectedCount));
        Assert.Equal(body, push.ResponseBody);
    }

    [Fact(Timeout = 30000)]
    public async Task At_most_ten_rejections_are_listed()
    {
        await using var loki = await LokiDouble.StartAsync();
        var old = NowNanos - (30L * 24 * 3_600_000_000_000L);
        var entries = Enumerable.Range(0, 12).Select(i => (old + i, "old " + i)).Append((NowNanos, "fine")).ToArray();

        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", entries))));

        Assert.Equal(400, status);
        Assert.Equal(10, body.Split('\n').Count(l => l.StartsWith("entry with timestamp", StringComparison.Ordinal)));
        Assert.EndsWith("total ignored: 12 out of 13\n", body, StringComparison.Ordinal);
        Assert.Equal(1, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Injected_responses_take_precedence_and_store_nothing()
    {
        await using var loki = await LokiDouble.StartAsync();
        loki.EnqueueResponses(429, times: 2, retryAfter: TimeSpan.FromSeconds(1.2));
        loki.EnqueueResponses(500, body: "boom");
        var request = Push(("{app=\"a\"}", [(NowNanos, "x")]));

        using (var first = await PostAsync(loki.PushUri, SnappyProtobuf(request)))
        {
            Assert.Equal(429, (int)first.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), first.Headers.RetryAfter?.Delta);
            Assert.StartsWith("Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1' lines totaling '1' bytes", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(429, (await PushAsync(loki.PushUri, SnappyProtobuf(request))).Status);
        Assert.Equal((500, "boom\n"), await PushAsync(loki.PushUri, SnappyProtobuf(request)));
        Assert.Equal(0, loki.EntryCount);
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(request))).Status);

        Assert.Equal([429, 429, 500, 204], loki.Pushes.Select(p => p.StatusCode));
        Assert.Equal(1, loki.EntryCount);
    }

    [Fact(Timeout = 30000)]
    public async Task Required_tenant_gives_401_without_org_id_and_keeps_tenants_apart()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { RequireTenant = true });
        var ts = NowNanos;
        var request = Push(("{app=\"a\"}", [(ts, "x")]));

        Assert.Equal((401, "no org id\n"), await PushAsync(loki.PushUri, SnappyProtobuf(request)));
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(request), tenant: "team-1")).Status);

        var query = QueryRange(loki.BaseUri, "{app=\"a\"}", (ts - 1).ToString(CultureInfo.InvariantCulture), (ts + 1).ToString(CultureInfo.InvariantCulture), 10, "backward");
        Assert.Single(Values((await GetAsync(query, "team-1")).Body));
        Assert.Empty(Values((await GetAsync(query, "team-2")).Body));
        Assert.Equal(401, (await GetAsync(query)).Status);
        Assert.Equal("team-1", Assert.Single(loki.Streams).Tenant);
        Assert.Equal([null, "team-1"], loki.Pushes.Select(p => p.TenantId));
    }

    [Fact(Timeout = 30000)]
    public async Task Empty_push_is_422_in_loki_3_4_and_204_before()
    {
        await using var loki34 = await LokiDouble.StartAsync();
        await using var loki30 = await LokiDouble.StartAsync(new LokiDoubleOptions { RejectEmptyPush = false });

        Assert.Equal((422, "error at least one valid stream is required for ingestion\n"), await PushAsync(loki34.PushUri, SnappyProtobuf(Push())));
        Assert.Equal(204, (await PushAsync(loki30.PushUri, SnappyProtobuf(Push()))).Status);

        // A stream without entries is skipped before its labels are looked at.
        Assert.Equal(204, (await PushAsync(loki34.PushUri, SnappyProtobuf(Push(("not even labels", []))))).Status);
    }

    [Fact(Timeout = 30000)]
    public async Task Push_records_the_headers_the_client_sent()
    {
        await using var loki = await LokiDouble.StartAsync();
        using var client = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, loki.PushUri) { Content = SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "x")]))) };
        message.Headers.Authorization = new("Basic", "dXNlcjpwYXNz");
        message.Headers.Add("X-Scope-OrgID", "tenant-x");

        using var response = await client.SendAsync(message);

        var push = Assert.Single(loki.Pushes);
        Assert.Equal(("Basic dXNlcjpwYXNz", "tenant-x", "fake"), (push.Authorization, push.TenantId, loki.Streams[0].Tenant));
    }

    [Fact(Timeout = 30000)]
    public async Task WaitUntil_completes_on_a_later_push_and_times_out_clearly()
    {
        await using var loki = await LokiDouble.StartAsync();
        var waiting = loki.WaitUntilAsync(l => l.EntryCount >= 2, TimeSpan.FromSeconds(20));
        Assert.False(waiting.IsCompleted);

        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "1")]))));
        await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "2")]))));
        await waiting;

        await loki.WaitUntilAsync(l => l.EntryCount == 2, TimeSpan.FromSeconds(1));
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => loki.WaitUntilAsync(l => l.EntryCount > 2, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("2 pushes received, 2 entries stored", timeout.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Concurrent_pushes_are_all_stored()
    {
        await using var loki = await LokiDouble.StartAsync();
        var ts = NowNanos;

        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
            (await PushAsync(loki.PushUri, SnappyProtobuf(Push(($"{{app=\"a\", shard=\"{i % 4}\"}}", [(ts + i, "line " + i)]))))).Status));

        Assert.All(statuses, s => Assert.Equal(204, s));
        Assert.Equal(40, loki.EntryCount);
        Assert.Equal(4, loki.Streams.Count);
        Assert.Equal(40, loki.Pushes.Count);
    }
}
