using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class TailRestartsTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private long _now;

    // Random that always draws its largest value: each wait is the ceiling of its jitter range.
    private TailRestarts Restarts() => new(Second, TimeSpan.FromSeconds(8), () => _now, new HighestRandom());

    [Fact]
    public void A_tail_that_finished_is_not_started_again_and_is_forgotten()
    {
        var restarts = Restarts();
        restarts.Started("a");

        Assert.Null(restarts.TakeDelay("a"));
        Assert.Equal(0, restarts.CrashesOf("a"));
    }

    [Fact]
    public void A_tail_that_keeps_crashing_waits_twice_as_long_each_time_up_to_the_maximum()
    {
        var restarts = Restarts();
        var waits = new List<TimeSpan?>();
        for (var i = 0; i < 6; i++)
        {
            restarts.Started("a");
            _now += 10;
            restarts.Crashed("a");
            waits.Add(restarts.TakeDelay("a"));
        }

        Assert.Equal([1, 2, 4, 8, 8, 8], waits.Select(w => w!.Value.TotalSeconds));
        Assert.Equal(6, restarts.CrashesOf("a"));
    }

    [Fact]
    public void A_tail_that_ran_as_long_as_the_longest_wait_starts_from_the_shortest_again()
    {
        var restarts = Restarts();
        restarts.Started("a");
        restarts.Crashed("a");
        _ = restarts.TakeDelay("a");
        restarts.Started("a");
        restarts.Crashed("a");
        Assert.Equal(2, restarts.TakeDelay("a")!.Value.TotalSeconds);

        restarts.Started("a");
        _now += 8_000;
        restarts.Crashed("a");

        Assert.Equal(1, restarts.TakeDelay("a")!.Value.TotalSeconds);
    }

    [Fact]
    public void Crashes_of_one_tail_do_not_slow_another_down_and_a_crashed_tail_that_later_finishes_is_forgotten()
    {
        var restarts = Restarts();
        restarts.Started("a");
        restarts.Started("b");
        restarts.Crashed("a");
        restarts.Crashed("a");

        Assert.Null(restarts.TakeDelay("b"));
        Assert.Equal(2, restarts.TakeDelay("a")!.Value.TotalSeconds);
        restarts.Started("a");
        // Stopped without a crash this time: the log ended.
        Assert.Null(restarts.TakeDelay("a"));
        Assert.Equal(0, restarts.CrashesOf("a"));
    }

    private sealed class HighestRandom : Random
    {
        public override double NextDouble() => 1.0;
    }
}
