using Aggregator.Actors.Discovery;
using Aggregator.Actors.Pipeline;
using Xunit;
using static Aggregator.Tests.Discovery.Pods;

namespace Aggregator.Tests.Discovery;

public sealed class TailPlanTests
{
    private static readonly DiscoverySettings Plain = new();

    private static List<(string Container, string Id)> Plan(k8s.Models.V1Pod pod, DiscoverySettings? settings = null) =>
        [.. TailPlan.For(pod, settings ?? Plain).Select(t => (t.Stream.Container, t.ContainerId))];

    [Fact]
    public void A_running_container_is_tailed_with_its_stream_and_labels()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "web" }, containers: [Running("app", "containerd://aaa")]);

        var target = Assert.Single(TailPlan.For(pod, Plain));

        Assert.Equal(new StreamKey("prod", "web-0", "app"), target.Stream);
        Assert.Equal("containerd://aaa", target.ContainerId);
        Assert.Equal("{app=\"web\",container=\"app\",namespace=\"prod\",pod=\"web-0\"}", target.Labels.Rendered);
    }

    [Fact]
    public void A_terminated_container_is_tailed_to_drain_its_log()
    {
        Assert.Equal([("job", "containerd://done")], Plan(Pod(containers: [Terminated("job", "containerd://done")])));
    }

    [Fact]
    public void A_restarted_container_gives_its_previous_instance_and_its_current_one()
    {
        var pod = Pod(containers: [Running("app", "containerd://new", previousId: "containerd://old")]);

        Assert.Equal([("app", "containerd://old"), ("app", "containerd://new")], Plan(pod));
    }

    [Fact]
    public void A_container_in_crash_loop_back_off_gives_only_its_previous_instance()
    {
        var pod = Pod(containers: [Waiting("app", previousId: "containerd://crashed", reason: "CrashLoopBackOff")]);

        Assert.Equal([("app", "containerd://crashed")], Plan(pod));
    }

    [Fact]
    public void A_waiting_container_without_an_instance_gives_nothing()
    {
        Assert.Empty(Plan(Pod(containers: [Waiting("app")])));
    }

    [Fact]
    public void A_pod_without_status_gives_nothing()
    {
        var pod = Pod();
        pod.Status = null;

        Assert.Empty(Plan(pod));
    }

    [Fact]
    public void Init_regular_and_ephemeral_containers_are_all_tailed_init_first()
    {
        var pod = Pod(
            containers: [Running("app", "containerd://app"), Running("sidecar", "containerd://side")],
            init: [Terminated("migrate", "containerd://init")],
            ephemeral: [Running("debugger", "containerd://debug")]);

        Assert.Equal(
            [("migrate", "containerd://init"), ("app", "containerd://app"), ("sidecar", "containerd://side"), ("debugger", "containerd://debug")],
            Plan(pod));
    }

    [Fact]
    public void Pods_named_by_an_ignored_prefix_give_nothing()
    {
        var settings = new DiscoverySettings { IgnorePodPrefixes = ["kube-proxy", "fluent"] };

        Assert.Empty(Plan(Pod(name: "fluent-bit-x7", containers: [Running("app", "containerd://a")]), settings));
        Assert.Single(Plan(Pod(name: "web-fluent", containers: [Running("app", "containerd://a")]), settings));
    }

    [Fact]
    public void Ignored_containers_give_nothing_while_their_siblings_are_tailed()
    {
        var settings = new DiscoverySettings { IgnoreContainers = ["istio-proxy"] };
        var pod = Pod(containers: [Running("istio-proxy", "containerd://mesh"), Running("app", "containerd://app")]);

        Assert.Equal([("app", "containerd://app")], Plan(pod, settings));
    }

    [Fact]
    public void Our_own_pod_is_never_tailed()
    {
        var settings = new DiscoverySettings { SelfPodName = "aggregator-5d8" };

        Assert.Empty(Plan(Pod(name: "aggregator-5d8", containers: [Running("app", "containerd://a")]), settings));
        Assert.Single(Plan(Pod(name: "aggregator-5d8x", containers: [Running("app", "containerd://a")]), settings));
    }

    [Fact]
    public void IsIgnored_matches_prefixes_and_the_own_pod_only()
    {
        var settings = new DiscoverySettings { IgnorePodPrefixes = ["kube-"], SelfPodName = "me" };

        Assert.True(TailPlan.IsIgnored("kube-dns-1", settings));
        Assert.True(TailPlan.IsIgnored("me", settings));
        Assert.False(TailPlan.IsIgnored("mine", settings));
        Assert.False(TailPlan.IsIgnored("Kube-dns", settings));
    }

    [Fact]
    public void The_tail_id_names_the_stream_and_the_short_container_id()
    {
        var pod = Pod(containers: [Running("app", "containerd://3f2a9b8c7d6e5f4a3b2c1d0e")]);

        var target = Assert.Single(TailPlan.For(pod, Plain));

        Assert.Equal("prod_web-0_app_3f2a9b8c7d6e", target.TailId);
        Assert.Equal("abc", Aggregator.Actors.Tailing.TailTarget.ShortId("docker://abc"));
        Assert.Equal("0123456789ab", Aggregator.Actors.Tailing.TailTarget.ShortId("0123456789abcdef"));
    }
}
