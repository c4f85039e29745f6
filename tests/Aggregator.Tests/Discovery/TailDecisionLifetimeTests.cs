using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using k8s.Models;
using Xunit;
using static Aggregator.Tests.Discovery.Pods;

namespace Aggregator.Tests.Discovery;

public sealed class TailDecisionLifetimeTests
{
    private static readonly DateTime OldStart = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime OldEnd = new(2026, 11, 25, 9, 30, 0, DateTimeKind.Utc);
    private static readonly DateTime NewStart = new(2026, 11, 25, 9, 31, 0, DateTimeKind.Utc);
    private static readonly DateTime NewEnd = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    private static TailTarget Target(string id, string container = "app") =>
        new(new StreamKey("prod", "web-0", container), id,
            LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", container)]));

    private static V1ContainerState Exited(string id, DateTime started, DateTime finished) =>
        new() { Terminated = new V1ContainerStateTerminated { ContainerID = id, ExitCode = 0, StartedAt = started, FinishedAt = finished } };

    private static V1ContainerStatus Status(string id, V1ContainerState state, V1ContainerState? last = null, string name = "app") =>
        new() { Name = name, ContainerID = id, Image = "busybox", ImageID = "sha256:1", State = state, LastState = last ?? new V1ContainerState() };

    [Fact]
    public void A_running_instance_started_and_has_not_finished()
    {
        var pod = Pod(containers: [Status("containerd://b", new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = NewStart } }, Exited("containerd://a", OldStart, OldEnd))]);

        Assert.Equal((NewStart, (DateTime?)null), TailDecision.Lifetime(pod, Target("containerd://b")));
    }

    [Fact]
    public void A_terminated_current_instance_has_its_own_start_and_finish()
    {
        var pod = Pod(containers: [Status("containerd://b", Exited("containerd://b", NewStart, NewEnd), Exited("containerd://a", OldStart, OldEnd))]);

        Assert.Equal((NewStart, NewEnd), TailDecision.Lifetime(pod, Target("containerd://b")));
    }

    [Fact]
    public void A_replaced_instance_has_the_start_and_finish_of_the_last_state()
    {
        var pod = Pod(containers: [Status("containerd://b", new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = NewStart } }, Exited("containerd://a", OldStart, OldEnd))]);

        Assert.Equal((OldStart, OldEnd), TailDecision.Lifetime(pod, Target("containerd://a")));
    }

    [Fact]
    public void A_crashed_instance_waiting_to_restart_finished_when_its_last_state_says()
    {
        // In CrashLoopBackOff the status still names the crashed instance, whose times are in lastState.
        var waiting = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } };
        var pod = Pod(containers: [Status("containerd://a", waiting, Exited("containerd://a", OldStart, OldEnd))]);

        var (started, finished) = TailDecision.Lifetime(pod, Target("containerd://a"));

        Assert.Equal(OldEnd, finished);
        Assert.Null(started);
    }

    [Fact]
    public void Only_a_replaced_instance_has_a_next_start()
    {
        var running = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = NewStart } };
        var waiting = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } };
        var replaced = Pod(containers: [Status("containerd://b", running, Exited("containerd://a", OldStart, OldEnd))]);
        var crashLooping = Pod(containers: [Status("containerd://a", waiting, Exited("containerd://a", OldStart, OldEnd))]);

        Assert.Equal(NewStart, TailDecision.NextStarted(replaced, Target("containerd://a")));
        Assert.Null(TailDecision.NextStarted(replaced, Target("containerd://b")));
        Assert.Null(TailDecision.NextStarted(crashLooping, Target("containerd://a")));
        Assert.Null(TailDecision.NextStarted(null, Target("containerd://a")));
    }

    [Fact]
    public void An_unknown_instance_gives_no_times()
    {
        var pod = Pod(containers: [Status("containerd://c", new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = NewStart } }, Exited("containerd://b", OldStart, OldEnd))]);

        Assert.Equal((null, null), TailDecision.Lifetime(pod, Target("containerd://a")));
    }

    [Fact]
    public void A_gone_pod_or_a_missing_container_gives_no_times()
    {
        var pod = Pod(containers: [Running("other", "containerd://a")]);

        Assert.Equal((null, null), TailDecision.Lifetime(null, Target("containerd://a")));
        Assert.Equal((null, null), TailDecision.Lifetime(pod, Target("containerd://a")));
    }

    [Fact]
    public void Init_containers_have_lifetimes_too()
    {
        var pod = Pod(
            containers: [Waiting("app")],
            init: [Status("containerd://i", Exited("containerd://i", OldStart, OldEnd), name: "migrate")]);

        Assert.Equal((OldStart, OldEnd), TailDecision.Lifetime(pod, Target("containerd://i", "migrate")));
    }
}
