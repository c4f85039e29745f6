using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Xunit;
using static Aggregator.Tests.Discovery.Pods;

namespace Aggregator.Tests.Discovery;

public sealed class TailDecisionTests
{
    private static TailTarget Target(string container, string id) =>
        new(new StreamKey("prod", "web-0", container), id,
            LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", container)]));

    [Fact]
    public void A_running_instance_with_the_same_id_is_followed()
    {
        var pod = Pod(containers: [Running("app", "containerd://a")]);

        Assert.Equal(TailStep.Follow, TailDecision.Next(pod, Target("app", "containerd://a")));
    }

    [Fact]
    public void A_terminated_instance_with_the_same_id_drains_the_current_log()
    {
        var pod = Pod(containers: [Terminated("app", "containerd://a")]);

        Assert.Equal(TailStep.DrainCurrent, TailDecision.Next(pod, Target("app", "containerd://a")));
    }

    [Fact]
    public void A_replaced_instance_that_is_the_last_terminated_one_drains_through_previous()
    {
        var pod = Pod(containers: [Running("app", "containerd://b", previousId: "containerd://a")]);

        Assert.Equal(TailStep.DrainPrevious, TailDecision.Next(pod, Target("app", "containerd://a")));
        Assert.Equal(TailStep.Follow, TailDecision.Next(pod, Target("app", "containerd://b")));
    }

    [Fact]
    public void An_instance_older_than_the_previous_one_stops()
    {
        var pod = Pod(containers: [Running("app", "containerd://c", previousId: "containerd://b")]);

        Assert.Equal(TailStep.Stop, TailDecision.Next(pod, Target("app", "containerd://a")));
    }

    [Fact]
    public void A_gone_pod_stops_the_tail()
    {
        Assert.Equal(TailStep.Stop, TailDecision.Next(null, Target("app", "containerd://a")));
    }

    [Fact]
    public void A_container_missing_from_the_pod_stops_the_tail()
    {
        var pod = Pod(containers: [Running("other", "containerd://a")]);

        Assert.Equal(TailStep.Stop, TailDecision.Next(pod, Target("app", "containerd://a")));
    }

    [Fact]
    public void Init_and_ephemeral_containers_are_found_too()
    {
        var pod = Pod(
            containers: [Waiting("app")],
            init: [Terminated("migrate", "containerd://i")],
            ephemeral: [Running("debugger", "containerd://d")]);

        Assert.Equal(TailStep.DrainCurrent, TailDecision.Next(pod, Target("migrate", "containerd://i")));
        Assert.Equal(TailStep.Follow, TailDecision.Next(pod, Target("debugger", "containerd://d")));
        Assert.Equal("migrate", TailDecision.FindStatus(pod.Status, "migrate")?.Name);
        Assert.Null(TailDecision.FindStatus(pod.Status, "nope"));
        Assert.Null(TailDecision.FindStatus(null, "app"));
    }

    [Fact]
    public void An_instance_in_crash_loop_back_off_drains_through_previous_before_and_after_the_restart()
    {
        // The status still names the crashed instance as its containerID while it waits to restart; previous=true
        // reads it then, and still reads it if the next instance starts before the request reaches the kubelet.
        var waiting = Pod(containers: [Waiting("app", previousId: "containerd://a", reason: "CrashLoopBackOff")]);
        var restarted = Pod(containers: [Running("app", "containerd://b", previousId: "containerd://a")]);

        Assert.Equal(TailStep.DrainPrevious, TailDecision.Next(waiting, Target("app", "containerd://a")));
        Assert.Equal(TailStep.DrainPrevious, TailDecision.Next(restarted, Target("app", "containerd://a")));
    }
}
