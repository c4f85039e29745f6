using System.Text.Json.Nodes;

namespace Aggregator.Deployment.Tests;

/// <summary>
/// The namespace deployment (k8s/namespace) and every kustomization built on it: least-privilege RBAC, and a
/// Deployment as the brief specifies it — one replica, the original's resources, locked down, probed, scraped.
/// </summary>
public sealed class NamespaceModeManifestTests
{
    private const string Base = "k8s/namespace";
    private const string DeploymentName = "log-aggregator";

    public static TheoryData<string> NamespaceModeKustomizations() => [.. NamespaceModeDirectories()];

    private static readonly string[] ExpectedNamespaceModeDirectories = [Base, "k8s/examples/multi-namespace"];

    private static readonly string[] ExampleKinds = ["Deployment", "Role", "RoleBinding", "ServiceAccount"];

    /// <summary>The kustomizations built on the namespace deployment, itself included.</summary>
    private static IReadOnlyList<string> NamespaceModeDirectories() =>
        [.. Kustomize.Kustomizations().Where(k => Kustomize.DirectoriesOf(k).Contains(Base))];

    /// <summary>The one set of permissions the aggregator needs: (API group, resource, verb).</summary>
    private static readonly HashSet<(string Group, string Resource, string Verb)> LeastPrivilege =
    [
        ("", "pods", "get"),
        ("", "pods", "list"),
        ("", "pods", "watch"),
        ("", "pods/log", "get"),
    ];

    [Fact]
    public void The_base_and_the_multi_namespace_example_are_namespace_mode_kustomizations()
    {
        Assert.Subset(NamespaceModeDirectories().ToHashSet(), ExpectedNamespaceModeDirectories.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void The_role_grants_exactly_get_list_watch_on_pods_and_get_on_pods_log(string kustomization)
    {
        var objects = Kustomize.Build(kustomization);

        Assert.DoesNotContain(objects, o => o.Text("kind") is "ClusterRole" or "ClusterRoleBinding");
        var roles = objects.Where(o => o.Text("kind") == "Role").ToList();
        Assert.NotEmpty(roles);
        foreach (var role in roles)
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

            Assert.True(
                LeastPrivilege.SetEquals(granted),
                $"{Kustomize.IdOf(role)} grants [{string.Join(", ", granted.Order())}], expected exactly [{string.Join(", ", LeastPrivilege.Order())}]");
        }
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void The_role_is_bound_to_the_service_account_the_deployment_runs_as_in_its_own_namespace(string kustomization)
    {
        var objects = Kustomize.Build(kustomization);
        var deployments = Deployments(objects);
        Assert.NotEmpty(deployments);

        foreach (var deployment in deployments)
        {
            var ns = deployment.Text("metadata/namespace");
            var account = deployment.Text("spec/template/spec/serviceAccountName");
            Assert.False(string.IsNullOrEmpty(account), $"{Kustomize.IdOf(deployment)} sets no serviceAccountName");
            Assert.NotEqual("false", deployment.Text("spec/template/spec/automountServiceAccountToken"));
            Assert.Contains(objects, o => o.Text("kind") == "ServiceAccount" && o.Text("metadata/name") == account && o.Text("metadata/namespace") == ns);

            var bindings = objects.Where(o => o.Text("kind") == "RoleBinding" && o.Text("metadata/namespace") == ns).ToList();
            var binding = Assert.Single(bindings);
            Assert.Equal("rbac.authorization.k8s.io", binding.Text("roleRef/apiGroup"));
            Assert.Equal("Role", binding.Text("roleRef/kind"));
            Assert.Contains(objects, o => o.Text("kind") == "Role" && o.Text("metadata/name") == binding.Text("roleRef/name") && o.Text("metadata/namespace") == ns);

            var subject = Assert.Single(binding.Items("subjects"));
            Assert.Equal("ServiceAccount", subject.Text("kind"));
            Assert.Equal(account, subject.Text("name"));
            // A RoleBinding's ServiceAccount subject without a namespace is the binding's own namespace.
            Assert.Equal(ns, subject.Text("namespace") ?? ns);
        }
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void The_deployment_runs_one_locked_down_replica_with_the_original_resources(string kustomization)
    {
        foreach (var deployment in Deployments(Kustomize.Build(kustomization)))
        {
            var id = Kustomize.IdOf(deployment);
            Assert.Equal("1", deployment.Text("spec/replicas"));
            var pod = deployment.At("spec/template/spec");
            Assert.Equal("true", pod.Text("securityContext/runAsNonRoot"));
            Assert.Equal("RuntimeDefault", pod.Text("securityContext/seccompProfile/type"));
            Assert.NotEqual("0", pod.Text("securityContext/runAsUser") ?? "unset");
            Assert.Null(pod.At("hostNetwork"));
            Assert.Null(pod.At("hostPID"));

            var container = Aggregator(deployment);
            Assert.Equal("100m", container.Text("resources/requests/cpu"));
            Assert.Equal("128Mi", container.Text("resources/requests/memory"));
            Assert.Equal("200m", container.Text("resources/limits/cpu"));
            Assert.Equal("256Mi", container.Text("resources/limits/memory"));

            var security = container.At("securityContext");
            Assert.True(security.Text("readOnlyRootFilesystem") == "true", $"{id}: readOnlyRootFilesystem is not true");
            Assert.True(security.Text("allowPrivilegeEscalation") == "false", $"{id}: allowPrivilegeEscalation is not false");
            Assert.Equal(["ALL"], security.Strings("capabilities/drop"));
            Assert.Empty(security.Strings("capabilities/add"));
            Assert.NotEqual("true", security.Text("privileged"));
            Assert.NotEqual("false", security.Text("runAsNonRoot"));
            Assert.Equal("RuntimeDefault", security.Text("seccompProfile/type") ?? pod.Text("securityContext/seccompProfile/type"));

            // The shutdown flush (Aggregator:ShutdownGraceSeconds, 25 s by default) fits in the termination grace period.
            Assert.True(int.Parse(deployment.Text("spec/template/spec/terminationGracePeriodSeconds") ?? "30", System.Globalization.CultureInfo.InvariantCulture) > new Host.AggregatorOptions().ShutdownGraceSeconds);
        }
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void The_only_writable_path_is_an_empty_dir_at_tmp(string kustomization)
    {
        foreach (var deployment in Deployments(Kustomize.Build(kustomization)))
        {
            var volumes = deployment.Items("spec/template/spec/volumes").ToDictionary(v => v.Text("name")!);
            var mount = Assert.Single(Aggregator(deployment).Items("volumeMounts"));
            Assert.Equal("/tmp", mount.Text("mountPath"));
            Assert.NotEqual("true", mount.Text("readOnly"));
            Assert.NotNull(volumes[mount.Text("name")!].At("emptyDir"));
        }
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void The_probes_the_metrics_port_and_the_scrape_annotations_point_at_9102(string kustomization)
    {
        foreach (var deployment in Deployments(Kustomize.Build(kustomization)))
        {
            var container = Aggregator(deployment);
            var port = Assert.Single(container.Items("ports"));
            Assert.Equal("metrics", port.Text("name"));
            Assert.Equal("9102", port.Text("containerPort"));
            Assert.Equal("TCP", port.Text("protocol") ?? "TCP");

            Assert.Equal("/healthz", container.Text("livenessProbe/httpGet/path"));
            Assert.Equal("/readyz", container.Text("readinessProbe/httpGet/path"));
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                if (container.At(probe) is { } p)
                {
                    Assert.Equal("9102", p.Text("httpGet/port"));
                    Assert.Null(p.At("httpGet/host"));
                }
            }

            var annotations = deployment.At("spec/template/metadata/annotations");
            Assert.Equal("true", Annotation(annotations, "prometheus.io/scrape"));
            Assert.Equal("9102", Annotation(annotations, "prometheus.io/port"));
            Assert.Equal("/metrics", Annotation(annotations, "prometheus.io/path"));
        }
    }

    [Theory]
    [MemberData(nameof(NamespaceModeKustomizations))]
    public void Pod_name_and_namespace_come_from_the_downward_api_and_loki_and_the_cluster_are_set(string kustomization)
    {
        foreach (var deployment in Deployments(Kustomize.Build(kustomization)))
        {
            var env = Aggregator(deployment).Items("env").ToDictionary(e => e.Text("name")!);
            Assert.Equal("metadata.name", env["POD_NAME"].Text("valueFrom/fieldRef/fieldPath"));
            Assert.Equal("metadata.namespace", env["NAMESPACE"].Text("valueFrom/fieldRef/fieldPath"));
            Assert.StartsWith("http", env["LOKI_URL"].Text("value"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(env["CLUSTER_NAME"].Text("value")));
        }
    }

    [Fact]
    public void The_multi_namespace_example_deploys_one_complete_aggregator_into_each_of_several_namespaces()
    {
        var objects = Kustomize.Build("k8s/examples/multi-namespace");
        var byNamespace = objects.GroupBy(o => o.Text("metadata/namespace") ?? "").ToDictionary(g => g.Key, g => g.Select(o => o.Text("kind")!).Order().ToList());

        Assert.True(byNamespace.Count >= 2, $"only the namespaces {string.Join(", ", byNamespace.Keys)}");
        Assert.DoesNotContain("", byNamespace.Keys);
        foreach (var (ns, kinds) in byNamespace)
        {
            Assert.True(kinds.SequenceEqual(ExampleKinds), $"{ns}: {string.Join(", ", kinds)}");
        }

        // Each reads its own namespace (the downward API) and ships under its own tenant, with the shared image and Loki.
        var deployments = Deployments(objects);
        Assert.Equal(byNamespace.Count, deployments.Count);
        Assert.Single(deployments.Select(d => Aggregator(d).Text("image")).Distinct());
        Assert.DoesNotContain(deployments, d => Aggregator(d).Text("image")!.StartsWith("log-aggregator:", StringComparison.Ordinal));
        foreach (var deployment in deployments)
        {
            var env = Aggregator(deployment).Items("env").ToDictionary(e => e.Text("name")!);
            Assert.Equal(deployment.Text("metadata/namespace"), env["Aggregator__Loki__TenantId"].Text("value"));
        }
    }

    internal static List<JsonObject> Deployments(IEnumerable<JsonObject> objects) =>
        [.. objects.Where(o => o.Text("kind") == "Deployment" && o.Text("metadata/name") == DeploymentName)];

    internal static JsonNode Aggregator(JsonObject deployment)
    {
        var containers = deployment.Items("spec/template/spec/containers").ToList();
        return Assert.Single(containers, c => c.Text("name") == "aggregator")!;
    }

    private static string? Annotation(JsonNode? annotations, string name) =>
        annotations is JsonObject o && o.TryGetPropertyValue(name, out var value) ? value.Text("") : null;
}
