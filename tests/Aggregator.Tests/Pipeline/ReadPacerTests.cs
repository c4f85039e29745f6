using Aggregator.Actors.Pipeline;
using static Aggregator.Tests.Loki.LokiTestData;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class ReadPacerTests
{
    [Fact]
    public void A_new_tail_is_busy_until_it_has_seen_a_whole_interval()
    {
        var pacer = new ReadPacer();
        var pace = pacer.Enrol(holdsUnreadBytes: false);
        pace.Record(100);
        Assert.False(pace.IsQuiet);

        // The interval it started in was partial.
        pacer.Tick();
        Assert.False(pace.IsQuiet);

        pace.Record(100);
        pacer.Tick();
        Assert.True(pace.IsQuiet);
    }

    [Fact]
    public void A_tail_that_reads_16_KiB_in_an_interval_is_busy_for_that_interval_and_the_next()
    {
        var pacer = new ReadPacer();
        var pace = QuietPace(pacer, holdsUnreadBytes: false);

        pace.Record(ReadPacer.QuietBytes);
        Assert.False(pace.IsQuiet);
        pacer.Tick();
        Assert.False(pace.IsQuiet);
        pacer.Tick();
        Assert.True(pace.IsQuiet);
    }

    [Fact]
    public void A_tail_released_by_the_tick_has_read_before_the_tick_returns()
    {
        var pacer = new ReadPacer();
        var pace = QuietPace(pacer, holdsUnreadBytes: false);
        var read = false;
        var waiting = ReadAtTickAsync(pace, () => read = true, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        pacer.Tick();

        // No thread-pool hop: the tick's own batch carries what the tail read.
        Assert.True(read);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public void Every_waiting_tail_reads_within_the_tick_and_then_waits_for_the_next()
    {
        var pacer = new ReadPacer();
        var paces = Enumerable.Range(0, 100).Select(_ => QuietPace(pacer, holdsUnreadBytes: false)).ToList();
        var reads = new int[paces.Count];
        var loops = paces.Select((pace, i) => ReadEveryTickAsync(pace, () => reads[i]++)).ToList();

        pacer.Tick();
        Assert.All(reads, count => Assert.Equal(1, count));
        pacer.Tick();
        Assert.All(reads, count => Assert.Equal(2, count));

        pacer.Stop();
        Assert.All(loops, loop => Assert.True(loop.IsCompletedSuccessfully));
    }

    [Fact]
    public void Stopping_releases_the_waiting_tails_and_no_tail_waits_after()
    {
        var pacer = new ReadPacer();
        var pace = QuietPace(pacer, holdsUnreadBytes: false);
        var waiting = pace.WaitForTickAsync(CancellationToken.None).AsTask();

        pacer.Stop();

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(pace.WaitForTickAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully);
    }

    [Fact(Timeout = 10000)]
    public async Task Cancelling_releases_a_waiting_tail_without_a_tick()
    {
        var pacer = new ReadPacer();
        var pace = QuietPace(pacer, holdsUnreadBytes: false);
        using var stop = new CancellationTokenSource();
        var waiting = pace.WaitForTickAsync(stop.Token).AsTask();

        await stop.CancelAsync();

        await waiting;
        Assert.Equal(2, pacer.Ticks);
    }

    [Fact]
    public void Tails_whose_unread_bytes_wait_in_the_process_are_paced_only_while_at_most_128_are_enrolled()
    {
        var pacer = new ReadPacer();
        var held = Enumerable.Range(0, ReadPacer.MostPacedInProcess).Select(_ => QuietPace(pacer, holdsUnreadBytes: true)).ToList();
        Assert.False(held[0].WaitForTickAsync(CancellationToken.None).AsTask().IsCompleted);

        using var oneMore = QuietPace(pacer, holdsUnreadBytes: true);
        // Enough blocks held already: none of them waits for the tick (the one waiting is released by it).
        Assert.True(held[1].WaitForTickAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully);
        Assert.True(oneMore.WaitForTickAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully);
        // Bytes that wait in the socket cost the process nothing: such a tail waits whatever the count.
        Assert.False(QuietPace(pacer, holdsUnreadBytes: false).WaitForTickAsync(CancellationToken.None).AsTask().IsCompleted);

        // A tail's request ended: they are few enough again.
        held[^1].Dispose();
        held[^1].Dispose();
        Assert.False(oneMore.WaitForTickAsync(CancellationToken.None).AsTask().IsCompleted);
        pacer.Stop();
    }

    [Fact]
    public void The_intakes_tick_reads_the_waiting_tails_before_it_sends_the_partial_batches()
    {
        var settings = new PipelineSettings { BatchSize = 1000, BatchTimeout = TimeSpan.FromHours(1), Lanes = 1 };
        using var intake = new LaneIntake(settings);
        var pace = QuietPace(intake.Pacer, holdsUnreadBytes: false, tick: intake.Tick);
        _ = ReadAtTickAsync(pace, () => intake.TryWrite(Chunk("read at the tick")), CancellationToken.None);
        Assert.False(intake.Lanes[0].TryRead(out _));

        intake.Tick();

        Assert.True(intake.Lanes[0].TryRead(out var batch));
        Assert.Equal(["read at the tick"], LinesOf(batch));
    }

    // Two ticks with a small read between: the tail has seen a whole quiet interval.
    private static ReadPacer.Pace QuietPace(ReadPacer pacer, bool holdsUnreadBytes, Action? tick = null)
    {
        var pace = pacer.Enrol(holdsUnreadBytes);
        tick ??= pacer.Tick;
        tick();
        pace.Record(1);
        tick();
        Assert.True(pace.IsQuiet);
        return pace;
    }

    private static async Task ReadAtTickAsync(ReadPacer.Pace pace, Action read, CancellationToken cancellationToken)
    {
        await pace.WaitForTickAsync(cancellationToken).ConfigureAwait(false);
        read();
    }

    private static async Task ReadEveryTickAsync(ReadPacer.Pace pace, Action read)
    {
        while (true)
        {
            var tick = pace.WaitForTickAsync(CancellationToken.None);
            if (tick.IsCompleted)
            {
                return;
            }

            await tick.ConfigureAwait(false);
            read();
        }
    }
}
