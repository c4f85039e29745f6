using System.Text.Json.Nodes;
using Aggregator.Host;

namespace Aggregator.Deployment.Tests;

/// <summary>
/// The cluster deployment (k8s/cluster): RBAC exactly what tailing every namespace needs, three members of a
/// StatefulSet that find each other by name (the first two are the seeds), a disruption budget, and a network policy
/// that keeps remoting among the members.
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
    public void The_cluster_role_is_bound_to_the_service_account_the_members_run_as_and_nothing_else_is_granted()
    {
        var members = StatefulSet();
        var ns = members.Text("metadata/namespace");
        var account = members.Text("spec/template/spec/serviceAccountName");
        Assert.Contains(Objects, o => o.Text("kind") == "ServiceAccount" && o.Text("metadata/name") == account && o.Text("metadata/namespace") == ns);
        Assert.Equal(["ClusterRole"], Objects.Where(o => o.Text("kind") is "ClusterRole" or "Role").Select(o => o.Text("kind")!));
        Assert.DoesNotContain(Objects, o => o.Text("kind") == "RoleBinding");

        var binding = Assert.Single(Objects, o => o.Text("kind") == "ClusterRoleBinding");
        Assert.Equal("ClusterRole", binding.Text("roleRef/kind"));
        Assert.Contains(Objects, o => o.Text("kind") == "ClusterRole" && o.Text("metadata/name") == binding.Text("roleRef/name"));
        var subject = Assert.Single(binding.Items("subjects"));
        Assert.Equal("ServiceAccount", subject.Text("kind"));
        Assert.Equal(account, subject.Text("name"));
        Assert.Equal(ns, subject.Text("namespace"));
    }

    [Fact]
    public void Three_members_in_cluster_mode_over_every_namespace_whose_first_two_are_the_seeds_by_their_stable_names()
    {
        var members = StatefulSet();
        var container = NamespaceModeManifestTests.Aggregator(members);
        var env = container.Items("env").Select(e => (Name: e.Text("name")!, Entry: e)).ToList();
        var byName = env.ToDictionary(e => e.Name, e => e.Entry);

        Assert.Equal("3", members.Text("spec/replicas"));
        Assert.Equal("cluster", byName["MODE"].Text("value"));
        Assert.Equal("*", byName["NAMESPACE"].Text("value"));
        // Each member advertises its own record of the headless Service, which the seed addresses name exactly.
        var service = Assert.Single(Objects, o => o.Text("kind") == "Service");
        var domain = $"{service.Text("metadata/name")}.$(POD_NAMESPACE).svc";
        Assert.Equal(service.Text("metadata/name"), members.Text("spec/serviceName"));
        Assert.Equal("None", service.Text("spec/clusterIP"));
        Assert.Equal("true", service.Text("spec/publishNotReadyAddresses"));
        Assert.Equal(MemberLabels, Labels(service.At("spec/selector")));
        Assert.Equal($"$(POD_NAME).{domain}", byName["Aggregator__Cluster__Hostname"].Text("value"));
        Assert.Equal("metadata.name", byName["POD_NAME"].Text("valueFrom/fieldRef/fieldPath"));
        Assert.Equal("metadata.namespace", byName["POD_NAMESPACE"].Text("valueFrom/fieldRef/fieldPath"));
        var name = members.Text("metadata/name");
        Assert.Equal(
            [$"akka.tcp://aggregator@{name}-0.{domain}:4053", $"akka.tcp://aggregator@{name}-1.{domain}:4053"],
            byName["CLUSTER_SEEDS"].Text("value")!.Split(','));
        // Kubernetes expands $(VAR) only from variables defined before it.
        foreach (var (index, entry) in env.Select((e, i) => (i, e.Entry)))
        {
            foreach (var used in System.Text.RegularExpressions.Regex.Matches(entry.Text("value") ?? string.Empty, @"\$\((\w+)\)").Select(m => m.Groups[1].Value))
            {
                Assert.Contains(used, env.Take(index).Select(e => e.Name));
            }
        }

        Assert.False(byName.ContainsKey("POD_IP"), "the members reach each other by name, not by the address a restart changes");
        var ports = container.Items("ports").ToDictionary(p => p.Text("name")!, p => p.Text("containerPort"));
        Assert.Equal("4053", ports["remoting"]);
        Assert.Equal("4053", byName["REMOTING_PORT"].Text("value"));
        Assert.Equal("9102", ports["metrics"]);
        Assert.Equal(MemberLabels, Labels(members.At("spec/template/metadata/labels")));
        Assert.Equal("Parallel", members.Text("spec/podManagementPolicy"));
        // A leaving member hands off and then flushes, each within the grace.
        Assert.True(int.Parse(members.Text("spec/template/spec/terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture) > 2 * new AggregatorOptions().ShutdownGraceSeconds);
    }

    [Fact]
    public void The_seed_settings_of_the_manifest_are_ones_the_aggregator_accepts()
    {
        var members = StatefulSet();
        var env = NamespaceModeManifestTests.Aggregator(members).Items("env").ToDictionary(e => e.Text("name")!, e => e.Text("value"));
        string Expanded(string variable) => env[variable]!.Replace("$(POD_NAME)", "log-aggregator-2", StringComparison.Ordinal)
            .Replace("$(POD_NAMESPACE)", "logging", StringComparison.Ordinal);

        var cluster = ClusterSettings.From(new ClusterModeOptions
        {
            Hostname = Expanded("Aggregator__Cluster__Hostname"), Seeds = Expanded("CLUSTER_SEEDS"), Port = 4053,
        });

        Assert.Null(cluster.Bootstrap);
        Assert.Equal("log-aggregator-2.log-aggregator.logging.svc", cluster.Hostname);
        Assert.Equal("0.0.0.0", cluster.BindHostname);
    }

    [Fact]
    public void A_disruption_budget_lets_one_member_go_at_a_time()
    {
        var budget = Assert.Single(Objects, o => o.Text("kind") == "PodDisruptionBudget");

        Assert.Equal("1", budget.Text("spec/maxUnavailable"));
        Assert.Equal(MemberLabels, Labels(budget.At("spec/selector/matchLabels")));
    }

    [Fact]
    public void Only_the_members_reach_remoting_while_the_metrics_port_stays_open()
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
        Assert.Equal(["4053"], members.Items("ports").Select(p => p.Text("port")!));
        var open = Assert.Single(rules, r => r.At("from") is null);
        Assert.Equal(["9102"], open.Items("ports").Select(p => p.Text("port")!));
    }

    private static JsonObject StatefulSet() => Assert.Single(Objects, o => o.Text("kind") == "StatefulSet");

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
