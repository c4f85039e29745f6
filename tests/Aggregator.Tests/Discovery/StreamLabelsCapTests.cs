using Aggregator.Actors.Discovery;
using Xunit;
using static Aggregator.Tests.Discovery.Pods;

namespace Aggregator.Tests.Discovery;

public sealed class StreamLabelsCapTests
{
    private static readonly Dictionary<string, string> ManyLabels = new()
    {
        ["app"] = "web",
        ["tier"] = "front",
        ["zone"] = "eu-1a",
        ["version"] = "1.2.3",
        ["cost"] = "shop",
        ["team.example.com/owner"] = "payments",
    };

    // Loki-name order: a_zone, cost_center, tier, version, zz_team.
    private static readonly Dictionary<string, string> Map = new()
    {
        ["team.example.com/owner"] = "zz_team",
        ["tier"] = "tier",
        ["zone"] = "a_zone",
        ["version"] = "version",
        ["cost"] = "cost_center",
    };

    private static DiscoverySettings Capped(int maxLabelNames, IReadOnlyDictionary<string, string>? map = null, string? cluster = null) =>
        new() { MaxLabelNames = maxLabelNames, PodLabelMap = map ?? Map, ClusterName = cluster };

    [Fact]
    public void Under_the_cap_every_mapped_label_is_kept_and_nothing_is_dropped()
    {
        var labels = StreamLabels.For(Pod(labels: ManyLabels), "c", Capped(15), out var dropped);

        Assert.Equal(
            "{a_zone=\"eu-1a\",app=\"web\",container=\"c\",cost_center=\"shop\",namespace=\"prod\",pod=\"web-0\",tier=\"front\",version=\"1.2.3\",zz_team=\"payments\"}",
            labels.Rendered);
        Assert.Empty(dropped);
    }

    [Fact]
    public void Mapped_labels_are_taken_in_loki_name_order_until_the_cap_and_the_rest_are_named_as_dropped()
    {
        // Four fixed labels (namespace, pod, container, app) leave room for three mapped ones.
        var labels = StreamLabels.For(Pod(labels: ManyLabels), "c", Capped(7), out var dropped);

        Assert.Equal(
            "{a_zone=\"eu-1a\",app=\"web\",container=\"c\",cost_center=\"shop\",namespace=\"prod\",pod=\"web-0\",tier=\"front\"}",
            labels.Rendered);
        Assert.Equal(7, labels.Labels.Count);
        Assert.Equal(["version", "team.example.com/owner"], dropped);
    }

    [Fact]
    public void The_cluster_label_is_fixed_and_takes_a_place_under_the_cap()
    {
        var labels = StreamLabels.For(Pod(labels: ManyLabels), "c", Capped(7, cluster: "eu-1"), out var dropped);

        Assert.Equal(
            "{a_zone=\"eu-1a\",app=\"web\",cluster=\"eu-1\",container=\"c\",cost_center=\"shop\",namespace=\"prod\",pod=\"web-0\"}",
            labels.Rendered);
        Assert.Equal(["tier", "version", "team.example.com/owner"], dropped);
    }

    [Fact]
    public void Fixed_labels_are_kept_even_when_they_alone_exceed_the_cap()
    {
        var labels = StreamLabels.For(Pod(labels: ManyLabels), "c", Capped(2, cluster: "eu-1"), out var dropped);

        Assert.Equal("{app=\"web\",cluster=\"eu-1\",container=\"c\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
        Assert.Equal(["zone", "cost", "tier", "version", "team.example.com/owner"], dropped);
    }

    [Fact]
    public void A_missing_app_label_leaves_its_place_to_a_mapped_label()
    {
        var podLabels = new Dictionary<string, string>(ManyLabels);
        podLabels.Remove("app");

        var labels = StreamLabels.For(Pod(labels: podLabels), "c", Capped(5), out var dropped);

        Assert.Equal("{a_zone=\"eu-1a\",container=\"c\",cost_center=\"shop\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
        Assert.Equal(["tier", "version", "team.example.com/owner"], dropped);
    }

    [Fact]
    public void Pod_labels_that_are_absent_or_empty_are_neither_added_nor_dropped()
    {
        var map = new Dictionary<string, string> { ["absent"] = "a_absent", ["empty"] = "b_empty", ["tier"] = "tier", ["zone"] = "zone" };
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "web", ["empty"] = string.Empty, ["tier"] = "front", ["zone"] = "z" });

        var labels = StreamLabels.For(pod, "c", Capped(5, map), out var dropped);

        Assert.Equal("{app=\"web\",container=\"c\",namespace=\"prod\",pod=\"web-0\",tier=\"front\"}", labels.Rendered);
        Assert.Equal(["zone"], dropped);
    }

    [Fact]
    public void A_pod_without_labels_drops_nothing()
    {
        var labels = StreamLabels.For(Pod(labels: null), "c", Capped(4), out var dropped);

        Assert.Equal("{container=\"c\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
        Assert.Empty(dropped);
    }

    [Fact]
    public void A_mapped_name_equal_to_a_fixed_label_is_skipped_without_taking_a_place_or_being_dropped()
    {
        var map = new Dictionary<string, string> { ["fake-pod"] = "pod", ["fake-namespace"] = "namespace", ["tier"] = "tier", ["zone"] = "zone" };
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "web", ["fake-pod"] = "x", ["fake-namespace"] = "y", ["tier"] = "front", ["zone"] = "z" });

        var labels = StreamLabels.For(pod, "c", Capped(5, map), out var dropped);

        Assert.Equal("{app=\"web\",container=\"c\",namespace=\"prod\",pod=\"web-0\",tier=\"front\"}", labels.Rendered);
        Assert.Equal(["zone"], dropped);
    }

    [Fact]
    public void The_overload_without_dropped_applies_the_same_cap()
    {
        var settings = Capped(6);

        Assert.Equal(
            StreamLabels.For(Pod(labels: ManyLabels), "c", settings, out _).Rendered,
            StreamLabels.For(Pod(labels: ManyLabels), "c", settings).Rendered);
    }

    [Fact]
    public void TailPlan_gives_every_instance_of_a_container_the_dropped_labels()
    {
        var pod = Pod(
            labels: ManyLabels,
            containers: [Running("app", "containerd://new", previousId: "containerd://old")],
            init: [Terminated("migrate", "containerd://init")]);

        var targets = TailPlan.For(pod, Capped(7)).ToList();

        Assert.Equal(["containerd://init", "containerd://old", "containerd://new"], targets.Select(t => t.ContainerId));
        Assert.All(targets, t => Assert.Equal(["version", "team.example.com/owner"], t.DroppedLabels));
        Assert.All(targets, t => Assert.Equal(7, t.Labels.Labels.Count));
    }

    [Fact]
    public void TailPlan_gives_no_dropped_labels_under_the_cap()
    {
        var pod = Pod(labels: ManyLabels, containers: [Running("app", "containerd://a")]);

        var target = Assert.Single(TailPlan.For(pod, Capped(15)));

        Assert.Empty(target.DroppedLabels);
    }
}
