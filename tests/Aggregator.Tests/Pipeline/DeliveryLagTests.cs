using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Xunit;

namespace Aggregator.Tests.Pipeline;

/// <summary>The oldest entry waiting for Loki, and a settled push's latency, as the clock moves.</summary>
public sealed class DeliveryLagTests
{
    private const long NanosPerSecond = 1_000_000_000L;

    private static readonly LogStream Web = new(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop"), new("pod", "web-0")]));

    private static readonly LogStream Api = new(new StreamKey("shop", "api-0", "app"), LabelSet.Create([new("namespace", "shop"), new("pod", "api-0")]));

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));

    /// <summary>A chunk whose entries were written these many seconds before now, in this order.</summary>
    private LogChunk Chunk(LogStream stream, params double[] secondsAgo) =>
        new(stream, [.. secondsAgo.Select((ago, i) => new LogEntry(stream, _clock.NowNanos - (long)(ago * NanosPerSecond), $"line {i}"))]);

    [Fact]
    public void Nothing_read_is_no_lag()
    {
        var lag = new DeliveryLag(_clock);

        Assert.Equal(0, lag.OldestPendingAgeSeconds());
    }

    [Fact]
    public void The_oldest_pending_entry_ages_with_the_clock_while_nothing_is_settled()
    {
        var lag = new DeliveryLag(_clock);
        lag.Entered(Chunk(Web, 2, 1));
        lag.Entered(Chunk(Api, 0.5));

        Assert.Equal(2, lag.OldestPendingAgeSeconds(), precision: 6);
        // Loki refuses every push: nothing leaves, and the age keeps rising, so an alert on it fires.
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(602, lag.OldestPendingAgeSeconds(), precision: 6);
    }

    [Fact]
    public void Once_the_oldest_chunk_is_settled_the_next_oldest_counts_and_none_left_is_0()
    {
        var lag = new DeliveryLag(_clock);
        var old = Chunk(Web, 30);
        var newer = Chunk(Api, 3);
        lag.Entered(old);
        lag.Entered(newer);

        lag.Left(old);
        Assert.Equal(3, lag.OldestPendingAgeSeconds(), precision: 6);
        lag.Left(newer);
        Assert.Equal(0, lag.OldestPendingAgeSeconds());
        Assert.Equal(0, lag.PendingChunks);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, lag.OldestPendingAgeSeconds());
    }

    [Fact]
    public void Chunks_of_two_streams_with_one_oldest_timestamp_are_both_waited_for()
    {
        var lag = new DeliveryLag(_clock);
        var web = Chunk(Web, 5);
        var api = Chunk(Api, 5);
        lag.Entered(web);
        lag.Entered(api);

        lag.Left(web);

        Assert.Equal(5, lag.OldestPendingAgeSeconds(), precision: 6);
        Assert.Equal(1, lag.PendingChunks);
    }

    [Fact]
    public void A_chunk_is_as_old_as_its_oldest_entry_not_its_first()
    {
        // A stderr line can carry an earlier timestamp than the stdout line read before it.
        var lag = new DeliveryLag(_clock);
        lag.Entered(Chunk(Web, 1, 4, 2));

        Assert.Equal(4, lag.OldestPendingAgeSeconds(), precision: 6);
    }

    [Fact]
    public void A_chunk_that_never_entered_leaves_nothing_behind_when_it_is_settled()
    {
        var lag = new DeliveryLag(_clock);
        var read = Chunk(Web, 1);
        lag.Entered(read);

        lag.Left(Chunk(Api, 7));

        Assert.Equal(1, lag.PendingChunks);
        Assert.Equal(1, lag.OldestPendingAgeSeconds(), precision: 6);
    }

    [Fact]
    public void A_kubelet_clock_ahead_of_the_aggregators_reads_as_no_lag_not_a_negative_one()
    {
        var lag = new DeliveryLag(_clock);
        var ahead = Chunk(Web, -3);
        lag.Entered(ahead);

        Assert.Equal(0, lag.OldestPendingAgeSeconds());
        Assert.Equal(0, lag.OldestEntryLatencySeconds(new PushBatch([ahead])));
    }

    [Fact]
    public void A_settled_pushs_latency_is_its_oldest_entrys_across_its_streams()
    {
        var lag = new DeliveryLag(_clock);
        var batch = new PushBatch([Chunk(Web, 0.2, 0.1), Chunk(Api, 1.3, 0.9)]);

        _clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(1.8, lag.OldestEntryLatencySeconds(batch), precision: 6);
    }

    [Fact]
    public void A_backlog_that_grew_the_bookkeeping_is_forgotten_once_it_has_passed()
    {
        var lag = new DeliveryLag(_clock);
        var backlog = Enumerable.Range(0, 10_000).Select(i => Chunk(Web, 3600 - (i * 0.1))).ToList();
        backlog.ForEach(lag.Entered);
        Assert.Equal(3600, lag.OldestPendingAgeSeconds(), precision: 6);

        // The oldest goes first, then the rest out of order (lanes answer independently): the oldest is found again
        // among what is left each time.
        lag.Left(backlog[0]);
        Assert.Equal(3599.9, lag.OldestPendingAgeSeconds(), precision: 6);
        for (var i = backlog.Count - 1; i >= 2; i--)
        {
            lag.Left(backlog[i]);
        }

        Assert.Equal(3599.9, lag.OldestPendingAgeSeconds(), precision: 6);
        lag.Left(backlog[1]);
        Assert.Equal(0, lag.PendingChunks);
        Assert.Equal(0, lag.OldestPendingAgeSeconds());
    }
}
