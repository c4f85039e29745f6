using Aggregator.Actors.Discovery;
using Aggregator.Host.Operations;
using Akka.Cluster;
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

    [Fact]
    public void A_cluster_member_is_ready_only_when_Up_and_says_in_words_why_not()
    {
        const string NotJoined = "no seed node has let it join: akka.tcp://aggregator@10.0.0.5:4053";

        Assert.Equal(new HealthVerdict(true, "a cluster member (Up)"), HealthVerdict.Membership(MemberStatus.Up, NotJoined));
        Assert.Equal(
            new HealthVerdict(false, "not a cluster member yet (no seed node has let it join: akka.tcp://aggregator@10.0.0.5:4053)"),
            HealthVerdict.Membership(null, NotJoined));
        Assert.Equal("not a cluster member yet (Joining: the leader has not moved it Up)", HealthVerdict.Membership(MemberStatus.Joining, NotJoined).Reason);
        Assert.Equal("leaving the cluster (Leaving)", HealthVerdict.Membership(MemberStatus.Leaving, NotJoined).Reason);
        Assert.Equal("leaving the cluster (Exiting)", HealthVerdict.Membership(MemberStatus.Exiting, NotJoined).Reason);
        Assert.Equal("downed by the cluster (Down)", HealthVerdict.Membership(MemberStatus.Down, NotJoined).Reason);
        Assert.Equal("removed from the cluster (Removed)", HealthVerdict.Membership(MemberStatus.Removed, NotJoined).Reason);
        Assert.All(
            new MemberStatus?[] { null, MemberStatus.Joining, MemberStatus.Leaving, MemberStatus.Exiting, MemberStatus.Down, MemberStatus.Removed },
            status => Assert.False(HealthVerdict.Membership(status, NotJoined).Ok));
    }

    [Fact]
    public void A_weakly_up_member_is_not_ready_as_the_split_brain_resolver_does_not_count_it_in_a_majority()
    {
        var verdict = HealthVerdict.Membership(MemberStatus.WeaklyUp, "unused");

        Assert.False(verdict.Ok);
        Assert.Equal("not a full cluster member yet (WeaklyUp: the leader cannot move it Up while a member is unreachable)", verdict.Reason);
    }

    [Fact]
    public void Cluster_readiness_needs_the_membership_and_the_watches_and_names_every_reason_that_fails()
    {
        var up = HealthVerdict.Membership(MemberStatus.Up, "unused");
        var joining = HealthVerdict.Membership(MemberStatus.Joining, "unused");
        var watching = HealthVerdict.Readiness([new WatchStatus(null, true, 4, "7") { Established = true }], 1);
        var refused = HealthVerdict.Readiness([new WatchStatus(null, true, 0, null) { Established = false }], 1);

        Assert.Equal(new HealthVerdict(true, "a cluster member (Up); watching all namespaces (4 pods)"), up.And(watching));
        Assert.Equal(joining, joining.And(watching));
        Assert.Equal(refused, up.And(refused));
        Assert.Equal(
            new HealthVerdict(false, "not a cluster member yet (Joining: the leader has not moved it Up); the pod watch of all namespaces is not established"),
            joining.And(refused));
    }
}
