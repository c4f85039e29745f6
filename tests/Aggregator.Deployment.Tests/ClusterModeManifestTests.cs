using System.Text.Json.Nodes;
using Aggregator.Host;

namespace Aggregator.Deployment.Tests;

/// <summary>
/// The cluster deployment (k8s/cluster): RBAC exactly what tailing every namespace and Kubernetes API discovery need,
/// three members that bootstrap without seeds, a disruption budget, and a network policy that keeps remoting and
/// management among the members.
/// </summary>
public sealed class ClusterModeManifestTests
{
    private const string Base = "k8s/cluster";
    private static readonly IReadOnlyList<JsonObject> Objects = Kustomize.Build(Base);

    private static readonly Dictionary<string, string> MemberLabels = new()
    {
        ["app.kubernetes.io/name"] = "log-aggregator",
        ["app.kubernetes.io/component"] = "cluster",
    };

    [Fact]
    public void The_cluster_role_grants_exactly_get_list_watch_on_pods_and_get_on_pods_log()
    {
        var role = Assert.Single(Objects, o => o.Text("kind") == "ClusterRole");

        Assert.Equal(
            new HashSet<(string, string, string)> { ("", "pods", "get"), ("", "pods", "list"), ("", "pods", "watch"), ("", "pods/log", "get") },
            Grants(role));
    }

    [Fact]
    public void Discovery_gets_exactly_pods_list_in_the_aggregators_own_namespace()
    {
        var role = Assert.Single(Objects, o => o.Text("kind") == "Role");

        Assert.Equal(new HashSet<(string, string, string)> { ("", "pods", "list") }, Grants(role));
        Assert.Equal(Deployment().Text("metadata/namespace"), role.Text("metadata/namespace"));
    }

    [Fact]
    public void Both_roles_are_bound_to_the_service_account_the_deployment_runs_as_and_nothing_else_is_granted()
    {
        var deployment = Deployment();
        var ns = deployment.Text("metadata/namespace");
        var account = deployment.Text("spec/template/spec/serviceAccountName");
        Assert.Contains(Objects, o => o.Text("kind") == "ServiceAccount" && o.Text("metadata/name") == account && o.Text("metadata/namespace") == ns);
        Assert.Equal(["ClusterRole", "Role"], Objects.Where(o => o.Text("kind") is "ClusterRole" or "Role").Select(o => o.Text("kind")!).Order());

        foreach (var (bindingKind, roleKind) in new[] { ("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role") })
        {
            var binding = Assert.Single(Objects, o => o.Text("kind") == bindingKind);
            Assert.Equal(roleKind, binding.Text("roleRef/kind"));
            Assert.Contains(Objects, o => o.Text("kind") == roleKind && o.Text("metadata/name") == binding.Text("roleRef/name"));
            var subject = Assert.Single(binding.Items("subjects"));
            Assert.Equal("ServiceAccount", subject.Text("kind"));
            Assert.Equal(account, subject.Text("name"));
            Assert.Equal(ns, subject.Text("namespace") ?? binding.Text("metadata/namespace"));
        }
    }

    [Fact]
    public void Three_members_in_cluster_mode_over_every_namespace_reachable_at_their_pod_ip_without_seeds()
    {
        var deployment = Deployment();
        var container = NamespaceModeManifestTests.Aggregator(deployment);
        var env = container.Items("env").ToDictionary(e => e.Text("name")!);

        Assert.Equal("3", deployment.Text("spec/replicas"));
        Assert.Equal("cluster", env["MODE"].Text("value"));
        Assert.Equal("*", env["NAMESPACE"].Text("value"));
        Assert.Equal("status.podIP", env["POD_IP"].Text("valueFrom/fieldRef/fieldPath"));
        Assert.Equal("Aggregator:Cluster:Hostname", LegacyEnvironment.Keys["POD_IP"]);
        Assert.False(env.ContainsKey("CLUSTER_SEEDS"), "with seeds the members would not bootstrap through the Kubernetes API");
        var ports = container.Items("ports").ToDictionary(p => p.Text("name")!, p => p.Text("containerPort"));
        Assert.Equal("4053", ports["remoting"]);
        Assert.Equal("4053", env["REMOTING_PORT"].Text("value"));
        // Cluster bootstrap probes the port named "management", which must be where Akka.Management listens.
        Assert.Equal("8558", ports["management"]);
        Assert.Equal(new ClusterModeOptions().ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ports["management"]);
        Assert.Equal("9102", ports["metrics"]);
        // The discovery selector the aggregator uses by default finds exactly this Deployment's pods.
        var selector = new ClusterModeOptions().DiscoverySelector.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(MemberLabels, selector);
        Assert.Equal(MemberLabels, Labels(deployment.At("spec/template/metadata/labels")));
        // A leaving member hands off and then flushes, each within the grace.
        Assert.True(int.Parse(deployment.Text("spec/template/spec/terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture) > 2 * new AggregatorOptions().ShutdownGraceSeconds);
    }

    [Fact]
    public void A_disruption_budget_lets_one_member_go_at_a_time()
    {
        var budget = Assert.Single(Objects, o => o.Text("kind") == "PodDisruptionBudget");

        Assert.Equal("1", budget.Text("spec/maxUnavailable"));
        Assert.Equal(MemberLabels, Labels(budget.At("spec/selector/matchLabels")));
    }

    [Fact]
    public void Only_the_members_reach_remoting_and_management_while_the_metrics_port_stays_open()
    {
        var policy = Assert.Single(Objects, o => o.Text("kind") == "NetworkPolicy");

        Assert.Equal(MemberLabels, Labels(policy.At("spec/podSelector/matchLabels")));
        Assert.Equal(["Ingress"], policy.Strings("spec/policyTypes"));
        var rules = policy.Items("spec/ingress").ToList();
        Assert.Equal(2, rules.Count);
        var members = Assert.Single(rules, r => r.At("from") is not null);
        var peer = Assert.Single(members.Items("from"));
        Assert.Null(peer.At("namespaceSelector"));
        Assert.Null(peer.At("ipBlock"));
        Assert.Equal(MemberLabels, Labels(peer.At("podSelector/matchLabels")));
        Assert.Equal(["4053", "8558"], members.Items("ports").Select(p => p.Text("port")!).Order());
        var open = Assert.Single(rules, r => r.At("from") is null);
        Assert.Equal(["9102"], open.Items("ports").Select(p => p.Text("port")!));
    }

    private static JsonObject Deployment() => Assert.Single(NamespaceModeManifestTests.Deployments(Objects));

    private static Dictionary<string, string> Labels(JsonNode? labels) =>
        ((JsonObject)labels!).ToDictionary(l => l.Key, l => l.Value.Text("")!);

    private static HashSet<(string, string, string)> Grants(JsonObject role)
    {
        var granted = new HashSet<(string, string, string)>();
        foreach (var rule in role.Items("rules"))
        {
            Assert.Null(rule.At("resourceNames"));
            Assert.Null(rule.At("nonResourceURLs"));
            foreach (var group in rule.Strings("apiGroups"))
            {
                foreach (var resource in rule.Strings("resources"))
                {
                    foreach (var verb in rule.Strings("verbs"))
                    {
                        granted.Add((group, resource, verb));
                    }
                }
            }
        }

        return granted;
    }
}
