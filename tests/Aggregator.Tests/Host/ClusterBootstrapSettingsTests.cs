using Aggregator.Host;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>
/// Cluster mode without seeds forms the cluster with Akka.Management cluster bootstrap and Kubernetes API discovery:
/// the configuration it produces (it cannot run against a real Kubernetes API here).
/// </summary>
public sealed class ClusterBootstrapSettingsTests
{
    [Fact]
    public void Without_seeds_the_members_bootstrap_through_the_kubernetes_api_on_the_management_port()
    {
        var cluster = ClusterSettings.From(new ClusterModeOptions { Hostname = "10.1.2.3" });

        var bootstrap = Assert.IsType<KubernetesBootstrap>(cluster.Bootstrap);
        var config = ConfigurationFactory.ParseString(AggregatorClusterExtensions.BootstrapHocon(cluster, bootstrap));

        Assert.Equal("kubernetes-api", config.GetString("akka.discovery.method"));
        Assert.Equal("app.kubernetes.io/name=log-aggregator,app.kubernetes.io/component=cluster", config.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal("10.1.2.3", config.GetString("akka.management.http.hostname"));
        Assert.Equal(8558, config.GetInt("akka.management.http.port"));
        Assert.Equal("0.0.0.0", config.GetString("akka.management.http.bind-hostname"));
        var discovery = config.GetConfig("akka.management.cluster.bootstrap.contact-point-discovery");
        Assert.Equal("akka.discovery", discovery.GetString("discovery-method"));
        Assert.Equal("management", discovery.GetString("port-name"));
        Assert.Equal(2, discovery.GetInt("required-contact-point-nr"));
        // The discovery and bootstrap implementations the configuration names are deployed with the aggregator, and
        // the bootstrap starts with the system as an extension named in the configuration itself (Akka.Hosting's
        // extension list is not read by the aggregator's own actor system factory).
        Assert.NotNull(Type.GetType("Akka.Discovery.KubernetesApi.KubernetesApiServiceDiscovery, Akka.Discovery.KubernetesApi"));
        Assert.Equal(typeof(Akka.Management.Cluster.Bootstrap.ClusterBootstrapProvider), Type.GetType(Assert.Single(config.GetStringList("akka.extensions"))));
    }

    [Fact]
    public void Without_seeds_a_build_that_cannot_run_the_management_endpoint_refuses_cluster_mode_in_one_line_naming_the_seeds()
    {
        var directory = Directory.CreateTempSubdirectory("aggregator-bootstrap-");
        using var removed = new Removed(directory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aggregator:Kubernetes:Kubeconfig"] = TestKubeconfig.Write(directory.FullName),
            ["Aggregator:Mode"] = "cluster",
            ["Aggregator:Cluster:Hostname"] = "10.1.2.3",
        }).Build();

        if (ManagementHttp.CanRun)
        {
            Assert.NotNull(AggregatorSettings.From(configuration).Cluster?.Bootstrap);
            return;
        }

        var error = Assert.Throws<Aggregator.Host.ConfigurationException>(() => AggregatorSettings.From(configuration));
        Assert.StartsWith("CLUSTER_SEEDS (Aggregator:Cluster:Seeds) is empty", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("log-aggregator-0.log-aggregator.logging.svc", "0.0.0.0")]
    [InlineData("localhost", "127.0.0.1")]
    public void A_member_advertised_by_name_listens_on_every_address_and_one_advertised_by_address_on_that_one(string hostname, string bound)
    {
        var cluster = ClusterSettings.From(new ClusterModeOptions { Hostname = hostname, Seeds = "akka.tcp://aggregator@10.0.0.5:4053" });

        Assert.Equal(hostname, cluster.Hostname);
        Assert.Equal(bound, cluster.BindHostname);
    }

    [Fact]
    public void With_seeds_there_is_no_bootstrap()
    {
        var cluster = ClusterSettings.From(new ClusterModeOptions { Seeds = "akka.tcp://aggregator@10.0.0.5:4053" });

        Assert.Null(cluster.Bootstrap);
    }

    [Theory]
    [InlineData(0, "app=x", 2, "Aggregator:Cluster:ManagementPort is 0")]
    [InlineData(8558, " ", 2, "Aggregator:Cluster:DiscoverySelector is empty")]
    [InlineData(8558, "app=x", 0, "Aggregator:Cluster:RequiredContactPoints is 0")]
    public void A_bootstrap_setting_it_cannot_run_with_is_refused_in_one_line(int port, string selector, int contactPoints, string expected)
    {
        var error = Assert.Throws<Aggregator.Host.ConfigurationException>(() => ClusterSettings.From(
            new ClusterModeOptions { ManagementPort = port, DiscoverySelector = selector, RequiredContactPoints = contactPoints }));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1e300)]
    public void A_cluster_interval_out_of_range_is_refused_in_one_line_naming_it(double seconds)
    {
        var error = Assert.Throws<Aggregator.Host.ConfigurationException>(
            () => ClusterSettings.From(new ClusterModeOptions { Seeds = "akka.tcp://aggregator@10.0.0.5:4053", StableAfterSeconds = seconds }));

        Assert.StartsWith("Aggregator:Cluster:StableAfterSeconds is ", error.Message, StringComparison.Ordinal);
    }

    private sealed class Removed(DirectoryInfo directory) : IDisposable
    {
        public void Dispose() => directory.Delete(recursive: true);
    }
}
