using Aggregator.Actors.Discovery;
using Aggregator.Host.Operations;
using Xunit;

namespace Aggregator.Tests.Operations;

public sealed class HealthVerdictTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Stuck = TimeSpan.FromMinutes(5);
    private static readonly Task Running = new TaskCompletionSource().Task;

    [Fact]
    public void A_running_pipeline_with_nothing_waiting_is_alive_however_long_ago_the_last_push_was()
    {
        var verdict = HealthVerdict.Liveness(true, Running, 0, Now.AddHours(-2), Now.AddHours(-2), Now, Stuck);

        Assert.True(verdict.Ok);
    }

    [Fact]
    public void Entries_that_wait_while_pushes_keep_being_attempted_are_alive_even_when_Loki_is_down()
    {
        Assert.True(HealthVerdict.Liveness(true, Running, 500, Now.AddMinutes(-30), Now.AddSeconds(-20), Now, Stuck).Ok);
    }

    [Fact]
    public void A_line_read_just_now_after_a_long_quiet_time_is_not_stuck()
    {
        Assert.True(HealthVerdict.Liveness(true, Running, 3, Now.AddSeconds(-1), Now.AddHours(-1), Now, Stuck).Ok);
    }

    [Fact]
    public void Entries_that_wait_with_no_push_attempt_for_longer_than_the_limit_are_stuck()
    {
        var verdict = HealthVerdict.Liveness(true, Running, 42, Now.AddMinutes(-10), Now.AddMinutes(-6), Now, Stuck);

        Assert.False(verdict.Ok);
        Assert.Equal("42 entries wait for Loki and no push attempt finished for 360 s", verdict.Reason);
    }

    [Fact]
    public void A_stopped_system_or_an_ended_or_failed_pipeline_is_not_alive()
    {
        Assert.Equal("the actor system is not running", HealthVerdict.Liveness(false, Running, 0, Now, Now, Now, Stuck).Reason);
        Assert.Equal("the pipeline has not started", HealthVerdict.Liveness(true, null, 0, Now, Now, Now, Stuck).Reason);
        Assert.Equal("the pipeline has stopped", HealthVerdict.Liveness(true, Task.CompletedTask, 0, Now, Now, Now, Stuck).Reason);
        var failed = HealthVerdict.Liveness(true, Task.FromException(new InvalidOperationException("boom")), 0, Now, Now, Now, Stuck);
        Assert.False(failed.Ok);
        Assert.Equal("the pipeline failed: boom", failed.Reason);
    }

    [Fact]
    public void Ready_only_once_every_watch_is_established()
    {
        var shop = new WatchStatus("shop", true, 3, "10") { Established = true };
        var web = new WatchStatus("web", true, 0, null) { Established = false };

        Assert.True(HealthVerdict.Readiness([shop], 1).Ok);
        Assert.Equal("watching namespace shop (3 pods)", HealthVerdict.Readiness([shop], 1).Reason);
        Assert.Equal("the pod watch of namespace web is not established", HealthVerdict.Readiness([shop, web], 2).Reason);
        Assert.Equal("1 pod watcher(s) did not answer", HealthVerdict.Readiness([shop, null], 2).Reason);
        Assert.Equal("the pod watchers have not started", HealthVerdict.Readiness([], 1).Reason);
    }
}
