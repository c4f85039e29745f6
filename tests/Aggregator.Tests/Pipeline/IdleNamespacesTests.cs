using Aggregator.Actors.Pipeline;
using Xunit;

namespace Aggregator.Tests.Pipeline;

/// <summary>When a namespace's series may go: after its grace with no tail and nothing waiting for Loki, and not before.</summary>
public sealed class IdleNamespacesTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);
    private readonly ManualClock _clock = new();
    private readonly IdleNamespaces _idle;

    public IdleNamespacesTests() => _idle = new IdleNamespaces(Grace, _clock);

    [Fact]
    public void A_namespace_whose_last_tail_ended_expires_once_the_grace_has_passed_and_not_before()
    {
        _idle.TailBegan("ci-1");
        _idle.TailBegan("ci-1");
        _idle.TailEnded("ci-1");
        _clock.Advance(Grace);
        Assert.Empty(_idle.TakeExpired());

        _idle.TailEnded("ci-1");
        _clock.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.Empty(_idle.TakeExpired());

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["ci-1"], _idle.TakeExpired());
        Assert.Equal(0, _idle.Count);
        Assert.Empty(_idle.TakeExpired());
    }

    [Fact]
    public void Entries_still_waiting_for_Loki_keep_a_namespace_without_tails_however_long_they_wait()
    {
        _idle.TailBegan("ci-1");
        _idle.Read("ci-1", 100);
        _idle.TailEnded("ci-1");
        _clock.Advance(Grace * 5);
        Assert.Empty(_idle.TakeExpired());

        _idle.Settled("ci-1", 60);
        _clock.Advance(Grace * 5);
        Assert.Empty(_idle.TakeExpired());

        // Settled, stored or refused: the grace starts only now.
        _idle.Settled("ci-1", 40);
        _clock.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.Empty(_idle.TakeExpired());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["ci-1"], _idle.TakeExpired());
    }

    [Fact]
    public void A_namespace_with_a_running_tail_never_expires_even_when_everything_it_read_is_settled()
    {
        _idle.TailBegan("shop");
        _idle.Read("shop", 10);
        _idle.Settled("shop", 10);
        _clock.Advance(Grace * 100);

        Assert.Empty(_idle.TakeExpired());
    }

    [Fact]
    public void A_namespace_that_comes_back_within_the_grace_starts_its_grace_again_when_it_next_goes()
    {
        _idle.TailBegan("preview-7");
        _idle.TailEnded("preview-7");
        _clock.Advance(Grace - TimeSpan.FromMinutes(1));

        // A rollout: the next pod's tail begins before the grace is out.
        _idle.TailBegan("preview-7");
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_idle.TakeExpired());

        _idle.TailEnded("preview-7");
        _clock.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.Empty(_idle.TakeExpired());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["preview-7"], _idle.TakeExpired());
    }

    [Fact]
    public void A_namespace_that_expired_and_comes_back_is_tracked_afresh()
    {
        _idle.TailBegan("ci-1");
        _idle.TailEnded("ci-1");
        _clock.Advance(Grace);
        Assert.Equal(["ci-1"], _idle.TakeExpired());

        _idle.TailBegan("ci-1");
        _clock.Advance(Grace * 2);
        Assert.Empty(_idle.TakeExpired());
        _idle.TailEnded("ci-1");
        _clock.Advance(Grace);
        Assert.Equal(["ci-1"], _idle.TakeExpired());
    }

    [Fact]
    public void Only_the_namespaces_that_are_idle_long_enough_expire()
    {
        _idle.TailBegan("gone-early");
        _idle.TailBegan("gone-late");
        _idle.TailBegan("live");
        _idle.TailEnded("gone-early");
        _clock.Advance(TimeSpan.FromMinutes(5));
        _idle.TailEnded("gone-late");
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(["gone-early"], _idle.TakeExpired());
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["gone-late"], _idle.TakeExpired());
        Assert.Equal(1, _idle.Count);
    }

    [Fact]
    public void Ends_and_settlements_that_were_never_begun_or_read_neither_track_a_namespace_nor_go_below_zero()
    {
        _idle.TailEnded("unknown");
        _idle.Settled("unknown", 5);
        Assert.Equal(0, _idle.Count);

        _idle.TailBegan("shop");
        _idle.Read("shop", 3);
        _idle.Settled("shop", 3);
        // Settled twice: later reads must still count as waiting.
        _idle.Settled("shop", 3);
        _idle.Read("shop", 2);
        _idle.TailEnded("shop");
        _idle.TailEnded("shop");
        _clock.Advance(Grace * 2);
        Assert.Empty(_idle.TakeExpired());

        _idle.Settled("shop", 2);
        _clock.Advance(Grace);
        Assert.Equal(["shop"], _idle.TakeExpired());
    }

    [Fact]
    public void A_grace_of_zero_or_less_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdleNamespaces(TimeSpan.Zero, _clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdleNamespaces(TimeSpan.FromSeconds(-1), _clock));
    }
}
