using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Simulation.Loki;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

/// <summary>Classify against the bodies the Loki double (Loki's own messages) answers to refused entries.</summary>
public sealed class RejectionReasonsTests : IAsyncLifetime
{
    private const long Hour = 3_600_000_000_000L;
    private const int MaxLine = 100;
    private static readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private static readonly long Now = Clock.NowNanos;
    private static readonly LogStream Web = Stream("web-0");
    private static readonly LogStream Api = Stream("api-0");

    private LokiDouble _loki = null!;

    public async Task InitializeAsync()
    {
        _loki = await LokiDouble.StartAsync(new LokiDoubleOptions { TimeProvider = Clock, MaxLineSizeBytes = MaxLine });
    }

    public async Task DisposeAsync() => await _loki.DisposeAsync();

    private static (LogStream, long, string) Good(int i, LogStream? stream = null) => (stream ?? Web, Now - 1_000 - i, $"good {i}");

    private static (LogStream, long, string) Newest(LogStream? stream = null) => (stream ?? Web, Now, "newest");

    private static (LogStream, long, string) TooOld(int i, LogStream? stream = null) => (stream ?? Web, Now - (8 * 24 * Hour) + i, $"old {i}");

    private static (LogStream, long, string) TooNew(int i, LogStream? stream = null) => (stream ?? Web, Now + Hour + i, $"new {i}");

    /// <summary>Behind the stream's newest entry by more than the out-of-order window: needs <see cref="Newest"/> first.</summary>
    private static (LogStream, long, string) TooFarBehind(int i, LogStream? stream = null) => (stream ?? Web, Now - (2 * Hour) + i, $"behind {i}");

    private static (LogStream, long, string) TooLong(int i, LogStream? stream = null) => (stream ?? Web, Now - 500 - i, new string('x', MaxLine + 1 + i));

    /// <summary>Pushes through the product's client and returns the 400's body as the pusher sees it.</summary>
    private async Task<string> Refused(PushBatch batch)
    {
        using var client = new LokiClient(new LokiSettings { PushUri = _loki.PushUri });
        var outcome = await client.ShipAsync(batch, CancellationToken.None);
        Assert.Equal(ShipResult.Rejected, outcome.Result);
        Assert.Equal(400, outcome.StatusCode);
        return outcome.Message;
    }

    private static int Listed(string body) =>
        body.Split('\n').Count(l => l.StartsWith("entry with timestamp", StringComparison.Ordinal));

    [Fact(Timeout = 30000)]
    public async Task Each_kind_of_refused_entry_is_counted_under_its_reason()
    {
        var batch = Batch(
            Newest(), TooOld(1), TooNew(1), TooLong(1), TooFarBehind(1), Good(1), TooOld(2), TooNew(2), TooNew(3), TooLong(2), Good(2), Good(3));

        var body = await Refused(batch);

        Assert.EndsWith("total ignored: 8 out of 12", body, StringComparison.Ordinal);
        Assert.Equal(4, _loki.EntryCount);
        Assert.Equal(
            new Dictionary<string, int> { ["too_old"] = 2, ["too_new"] = 3, ["line_too_long"] = 2, ["too_far_behind"] = 1 },
            RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task Refusals_in_several_streams_of_one_push_are_all_counted()
    {
        var batch = Batch(TooOld(1, Web), TooNew(1, Api), TooOld(2, Web), Good(1, Api), TooNew(2, Api), Good(1, Web));

        var body = await Refused(batch);

        Assert.EndsWith("total ignored: 4 out of 6", body, StringComparison.Ordinal);
        Assert.Equal(
            new Dictionary<string, int> { ["too_old"] = 2, ["too_new"] = 2 },
            RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task More_than_ten_refusals_of_one_reason_are_counted_from_loki_s_total()
    {
        var batch = Batch([.. Enumerable.Range(0, 25).Select(i => TooOld(i)), .. Enumerable.Range(0, 5).Select(i => Good(i))]);

        var body = await Refused(batch);

        Assert.Equal(10, Listed(body));
        Assert.EndsWith("total ignored: 25 out of 30", body, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 25 }, RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task More_than_ten_mixed_refusals_are_counted_exactly_when_the_unlisted_ones_share_the_most_frequent_reason()
    {
        var batch = Batch(
        [
            Newest(), TooNew(1), TooLong(1), TooFarBehind(1), Good(1),
            .. Enumerable.Range(0, 17).Select(i => TooOld(i)),
        ]);

        var body = await Refused(batch);

        Assert.Equal(10, Listed(body));
        Assert.EndsWith("total ignored: 20 out of 22", body, StringComparison.Ordinal);
        Assert.Equal(
            new Dictionary<string, int> { ["too_new"] = 1, ["line_too_long"] = 1, ["too_far_behind"] = 1, ["too_old"] = 17 },
            RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task Unlisted_refusals_go_under_the_most_frequent_listed_reason_and_the_total_stays_exact()
    {
        // Loki names only the first ten; the three "too new" behind them cannot be told apart.
        var batch = Batch([.. Enumerable.Range(0, 10).Select(i => TooOld(i)), .. Enumerable.Range(0, 3).Select(i => TooNew(i)), Good(1)]);

        var body = await Refused(batch);

        Assert.DoesNotContain("too new", body, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 13 }, RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task A_body_without_a_total_counts_the_whole_batch()
    {
        var batch = Batch(TooOld(1), TooOld(2), Good(1), Good(2), Good(3));
        var body = await Refused(batch);
        var withoutTotal = string.Join('\n', body.Split('\n').Where(l => !l.Contains("total ignored", StringComparison.Ordinal)));

        Assert.Equal(2, Listed(withoutTotal));
        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 2 }, RejectionReasons.Classify(body, 5));
        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 5 }, RejectionReasons.Classify(withoutTotal, 5));
    }

    [Fact]
    public void A_distributor_message_without_a_total_counts_the_whole_batch_under_its_reason()
    {
        const string body = "entry for stream '{app=\"web\", namespace=\"prod\"}' has timestamp too old: 2026-11-17T12:00:00Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z";

        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 4 }, RejectionReasons.Classify(body, 4));
    }

    [Fact]
    public void A_body_with_no_reason_known_counts_the_whole_batch_as_other()
    {
        Assert.Equal(new Dictionary<string, int> { ["other"] = 7 }, RejectionReasons.Classify("injected by the Loki double: Payload Too Large", 7));
    }

    [Fact]
    public void A_total_larger_than_the_batch_is_capped_at_the_batch()
    {
        const string body = "entry with timestamp 2026-11-17 12:00:00 +0000 UTC ignored, reason: 'entry for stream '{app=\"web\"}' has timestamp too old: 2026-11-17T12:00:00Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z',\nuser 'fake', total ignored: 9 out of 9";

        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 3 }, RejectionReasons.Classify(body, 3));
    }

    [Theory]
    [InlineData("total ignored: 99999999999 out of 99999999999")]
    [InlineData("total ignored: \u0663 out of \u0663")]
    public void A_total_that_is_no_whole_number_counts_the_whole_batch(string total)
    {
        // A proxy's 400 is read like Loki's; a count it cannot hold must not throw inside the pusher, whose lane would
        // then wait for an answer that never comes.
        var body = "entry with timestamp 2026-11-17 12:00:00 +0000 UTC ignored, reason: 'entry for stream '{app=\"web\"}' has timestamp too old: 2026-11-17T12:00:00Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z',\nuser 'fake', " + total;

        Assert.Equal(new Dictionary<string, int> { ["too_old"] = 3 }, RejectionReasons.Classify(body, 3));
    }

    [Fact(Timeout = 30000)]
    public async Task A_stream_with_too_many_label_names_counts_all_its_entries_as_too_many_labels()
    {
        var labels = LabelSet.Create(
        [
            new("namespace", "prod"), new("pod", "wide-0"), new("container", "app"),
            .. Enumerable.Range(1, 13).Select(i => new KeyValuePair<string, string?>($"extra{i}", "v")),
        ]);
        var wide = new LogStream(new StreamKey("prod", "wide-0", "app"), labels);
        var batch = Batch((wide, Now, "a"), (wide, Now + 1, "b"), (wide, Now + 2, "c"));

        var body = await Refused(batch);

        Assert.Contains("has 16 label names; limit 15", body, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["too_many_labels"] = 3 }, RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task A_stream_with_a_label_value_too_long_counts_all_its_entries_as_invalid_labels()
    {
        var labels = LabelSet.Create([new("namespace", "prod"), new("pod", "long-0"), new("owner", new string('o', 3000))]);
        var stream = new LogStream(new StreamKey("prod", "long-0", "app"), labels);
        var batch = Batch((stream, Now, "a"), (stream, Now + 1, "b"));

        var body = await Refused(batch);

        Assert.Contains("has label value too long", body, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["invalid_labels"] = 2 }, RejectionReasons.Classify(body, batch.Entries.Count));
    }

    [Fact(Timeout = 30000)]
    public async Task A_refused_stream_beside_refused_entries_still_gives_the_exact_total()
    {
        // Stream-level refusals are not "entry with timestamp" lines: their entries are counted, not told apart.
        var labels = LabelSet.Create([new("namespace", "prod"), new("pod", "long-0"), new("owner", new string('o', 3000))]);
        var bad = new LogStream(new StreamKey("prod", "long-0", "app"), labels);
        var batch = Batch((bad, Now, "a"), (bad, Now + 1, "b"), (bad, Now + 2, "c"), TooOld(1), TooOld(2), Good(1));

        var body = await Refused(batch);

        Assert.EndsWith("total ignored: 5 out of 6", body, StringComparison.Ordinal);
        Assert.Equal(5, RejectionReasons.Classify(body, batch.Entries.Count).Values.Sum());
    }

    [Theory]
    [InlineData("entry with timestamp 2026-11-25 10:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2026-11-25T10:00:00Z, oldest acceptable timestamp is: 2026-11-25T11:00:00Z',", "too_far_behind")]
    [InlineData("entry for stream '{app=\"web\"}' has timestamp too old: 2026-11-17T12:00:00Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z", "too_old")]
    [InlineData("entry for stream '{app=\"labeller\"}' has timestamp too old: 2026-11-17T12:00:00Z", "too_old")]
    [InlineData("entry for stream '{app=\"web\"}' has timestamp too new: 2026-11-25T13:00:00Z", "too_new")]
    [InlineData("Max entry size '262144' bytes exceeded for stream '{app=\"web\"}' while adding an entry with length '300000' bytes", "line_too_long")]
    [InlineData("line too long", "line_too_long")]
    [InlineData("entry for stream '{a=\"1\"}' has 16 label names; limit 15", "too_many_labels")]
    [InlineData("stream '{a=\"1\"}' has label value too long: 'xxx'", "invalid_labels")]
    [InlineData("stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'", "invalid_labels")]
    [InlineData("Error parsing labels '{a=}' with error: 1:4: parse error: unexpected \"}\"", "invalid_labels")]
    [InlineData("injected by the Loki double: Payload Too Large", "other")]
    [InlineData("", "other")]
    public void ReasonOf_names_the_reason_of_loki_s_message(string message, string reason)
    {
        Assert.Equal(reason, RejectionReasons.ReasonOf(message));
        Assert.Contains(reason, RejectionReasons.Known);
    }
}
