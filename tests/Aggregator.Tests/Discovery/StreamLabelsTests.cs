using Aggregator.Actors.Discovery;
using Xunit;
using static Aggregator.Tests.Discovery.Pods;

namespace Aggregator.Tests.Discovery;

public sealed class StreamLabelsTests
{
    private static readonly DiscoverySettings Plain = new();

    [Fact]
    public void A_stream_is_labelled_with_namespace_pod_container_and_the_app_label()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" });

        var labels = StreamLabels.For(pod, "nginx", Plain);

        Assert.Equal("{app=\"web\",container=\"nginx\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
    }

    [Fact]
    public void App_falls_back_to_app_kubernetes_io_name()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app.kubernetes.io/name"] = "shop" });

        Assert.Equal("{app=\"shop\",container=\"c\",namespace=\"prod\",pod=\"web-0\"}", StreamLabels.For(pod, "c", Plain).Rendered);
    }

    [Fact]
    public void App_prefers_the_app_label_over_app_kubernetes_io_name()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app.kubernetes.io/name"] = "shop", ["app"] = "legacy" });

        Assert.Contains(new KeyValuePair<string, string>("app", "legacy"), StreamLabels.For(pod, "c", Plain).Labels);
    }

    [Fact]
    public void A_pod_without_labels_has_no_app_label()
    {
        var labels = StreamLabels.For(Pod(labels: null), "c", Plain);

        Assert.Equal("{container=\"c\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
    }

    [Fact]
    public void The_cluster_label_is_added_only_when_a_cluster_name_is_set()
    {
        var pod = Pod();

        Assert.DoesNotContain(StreamLabels.For(pod, "c", Plain).Labels, l => l.Key == "cluster");
        Assert.Contains(
            new KeyValuePair<string, string>("cluster", "eu-1"),
            StreamLabels.For(pod, "c", new DiscoverySettings { ClusterName = "eu-1" }).Labels);
    }

    [Fact]
    public void Mapped_pod_labels_become_stream_labels_and_missing_ones_are_left_out()
    {
        var settings = new DiscoverySettings
        {
            PodLabelMap = new Dictionary<string, string>
            {
                ["team.example.com/owner"] = "team",
                ["tier"] = "tier",
                ["absent"] = "gone",
            },
        };
        var pod = Pod(labels: new Dictionary<string, string> { ["team.example.com/owner"] = "payments", ["tier"] = "back" });

        var labels = StreamLabels.For(pod, "c", settings);

        Assert.Equal("{container=\"c\",namespace=\"prod\",pod=\"web-0\",team=\"payments\",tier=\"back\"}", labels.Rendered);
    }

    [Fact]
    public void Fixed_labels_win_over_mapped_labels_of_the_same_name()
    {
        var settings = new DiscoverySettings
        {
            ClusterName = "eu-1",
            PodLabelMap = new Dictionary<string, string>
            {
                ["fake-namespace"] = "namespace",
                ["fake-pod"] = "pod",
                ["fake-container"] = "container",
                ["fake-app"] = "app",
                ["fake-cluster"] = "cluster",
            },
        };
        var pod = Pod(labels: new Dictionary<string, string>
        {
            ["app"] = "web",
            ["fake-namespace"] = "x",
            ["fake-pod"] = "x",
            ["fake-container"] = "x",
            ["fake-app"] = "x",
            ["fake-cluster"] = "x",
        });

        var labels = StreamLabels.For(pod, "c", settings);

        Assert.Equal("{app=\"web\",cluster=\"eu-1\",container=\"c\",namespace=\"prod\",pod=\"web-0\"}", labels.Rendered);
    }
}
