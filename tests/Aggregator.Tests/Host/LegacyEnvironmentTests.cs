using System.Collections;
using Aggregator.Host;
using Xunit;

namespace Aggregator.Tests.Host;

public sealed class LegacyEnvironmentTests
{
    [Fact]
    public void Every_legacy_variable_maps_to_its_configuration_key()
    {
        var values = LegacyEnvironment.Read(new Hashtable
        {
            ["NAMESPACE"] = "shop",
            ["LOKI_URL"] = "http://loki:3100",
            ["CLUSTER_NAME"] = "eu-1",
            ["BATCH_SIZE"] = "10",
            ["BATCH_TIMEOUT"] = "2",
            ["IGNORE_APPS"] = "a,b",
            ["IGNORE_CONTAINERS"] = "c",
            ["POD_NAME"] = "me",
            ["PATH"] = "/usr/bin",
        });

        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["Aggregator:Namespaces"] = "shop",
                ["Aggregator:Loki:Url"] = "http://loki:3100",
                ["Aggregator:ClusterName"] = "eu-1",
                ["Aggregator:Batch:Size"] = "10",
                ["Aggregator:Batch:TimeoutSeconds"] = "2",
                ["Aggregator:IgnoreApps"] = "a,b",
                ["Aggregator:IgnoreContainers"] = "c",
                ["Aggregator:PodName"] = "me",
            },
            values);
    }

    [Fact]
    public void POD_NAME_wins_over_HOSTNAME()
    {
        var values = LegacyEnvironment.Read(new Hashtable { ["HOSTNAME"] = "host-1", ["POD_NAME"] = "pod-1" });

        Assert.Equal("pod-1", values["Aggregator:PodName"]);
    }

    [Fact]
    public void HOSTNAME_stands_in_for_a_missing_or_empty_POD_NAME()
    {
        Assert.Equal("host-1", LegacyEnvironment.Read(new Hashtable { ["HOSTNAME"] = "host-1" })["Aggregator:PodName"]);
        Assert.Equal("host-1", LegacyEnvironment.Read(new Hashtable { ["HOSTNAME"] = "host-1", ["POD_NAME"] = string.Empty })["Aggregator:PodName"]);
    }

    [Fact]
    public void Empty_values_are_ignored()
    {
        var values = LegacyEnvironment.Read(new Hashtable
        {
            ["NAMESPACE"] = string.Empty,
            ["LOKI_URL"] = string.Empty,
            ["HOSTNAME"] = string.Empty,
            ["POD_NAME"] = string.Empty,
        });

        Assert.Empty(values);
    }

    [Fact]
    public void NameOf_gives_the_legacy_variable_with_its_key_or_the_key_alone()
    {
        Assert.Equal("BATCH_SIZE (Aggregator:Batch:Size)", LegacyEnvironment.NameOf("Aggregator:Batch:Size"));
        Assert.Equal("BATCH_SIZE (aggregator:batch:size)", LegacyEnvironment.NameOf("aggregator:batch:size"));
        Assert.Equal("Aggregator:Batch:Lanes", LegacyEnvironment.NameOf("Aggregator:Batch:Lanes"));
    }
}
