using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Aggregator.Deployment.Tests;

/// <summary>docker-compose.yml: it parses, everything it mounts or builds from exists, and its pieces are wired together.</summary>
public sealed class ComposeTests
{
    private const string ComposeFile = "docker-compose.yml";

    internal sealed record Mount(string Source, string Target, bool ReadOnly, bool IsBind);

    internal static JsonObject Compose() => Yaml.LoadObject(Repository.PathOf(ComposeFile));

    internal static JsonObject Service(string name) =>
        Compose().At($"services/{name}") as JsonObject ?? throw new InvalidDataException($"{ComposeFile} has no service '{name}'");

    internal static Dictionary<string, string?> Environment(JsonNode service) => service.At("environment") switch
    {
        JsonObject map => map.ToDictionary(p => p.Key, p => p.Value.Text("")),
        JsonArray list => list.Select(i => i.Text("")!.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : null),
        null => [],
        var other => throw new InvalidDataException($"environment is neither a mapping nor a list: {other.Show()}"),
    };

    internal static List<Mount> Mounts(JsonNode service) =>
    [
        .. service.Items("volumes").Select(v => v switch
        {
            JsonObject o => new Mount(o.Text("source") ?? "", o.Text("target")!, o.Text("read_only") == "true", o.Text("type") == "bind"),
            _ => Short(v.Text("")!),
        }),
    ];

    private static Mount Short(string text)
    {
        var parts = text.Split(':');
        var source = parts[0];
        return new Mount(source, parts[1], parts.Length > 2 && parts[2].Split(',').Contains("ro"), source.StartsWith('.') || source.StartsWith('/') || source.StartsWith('~'));
    }

    /// <summary>The named volume and the path inside it where <paramref name="path"/> of a service's filesystem lies.</summary>
    private static (string Volume, string Inside) VolumePathOf(JsonNode service, string path)
    {
        var mount = Mounts(service).Where(m => !m.IsBind && (path == m.Target || path.StartsWith(m.Target.TrimEnd('/') + "/", StringComparison.Ordinal)))
            .MaxBy(m => m.Target.Length);
        Assert.True(mount is not null, $"{path} is on no named volume of the service");
        return (mount.Source, path[mount.Target.Length..].TrimStart('/'));
    }

    [Fact]
    public void The_compose_file_parses_and_runs_the_whole_stack()
    {
        var services = (JsonObject)Compose()["services"]!;

        Assert.Subset(services.Select(s => s.Key).ToHashSet(), new HashSet<string> { "k3s", "kubeconfig", "loki", "prometheus", "grafana", "aggregator" });
        foreach (var (name, service) in services)
        {
            Assert.True(service.Text("image") is not null || service.At("build") is not null, $"service {name} has neither image nor build");
        }
    }

    [Fact]
    public void Every_file_the_compose_file_mounts_or_builds_from_exists_and_every_volume_and_dependency_is_declared()
    {
        var compose = Compose();
        var volumes = compose.At("volumes") as JsonObject ?? [];
        var services = (JsonObject)compose["services"]!;
        foreach (var (name, service) in services)
        {
            foreach (var mount in Mounts(service!))
            {
                if (mount.IsBind)
                {
                    var path = Repository.PathOf(mount.Source);
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"service {name} mounts {mount.Source}, which does not exist");
                }
                else
                {
                    Assert.True(volumes.ContainsKey(mount.Source), $"service {name} mounts the volume {mount.Source}, which is not declared");
                }
            }

            if (service!.At("build") is { } build)
            {
                var context = Repository.PathOf(build.Text("context") ?? build.Text("") ?? ".");
                Assert.True(Directory.Exists(context), $"service {name} builds from {context}, which does not exist");
                Assert.True(File.Exists(Path.Combine(context, build.Text("dockerfile") ?? "Dockerfile")), $"service {name}: no Dockerfile in its build context");
            }

            var dependencies = service.At("depends_on") switch
            {
                JsonObject o => o.Select(p => p.Key),
                JsonArray a => a.Select(i => i.Text("")!),
                _ => [],
            };
            foreach (var dependency in dependencies)
            {
                Assert.True(services.ContainsKey(dependency), $"service {name} depends on {dependency}, which is not a service");
            }

            foreach (var file in service.Strings("env_file"))
            {
                Assert.True(File.Exists(Repository.PathOf(file)), $"service {name} reads {file}, which does not exist");
            }
        }
    }

    [Fact]
    public void The_aggregator_is_built_from_the_dockerfile_and_runs_as_locked_down_as_in_kubernetes()
    {
        var aggregator = Service("aggregator");

        Assert.Equal(".", aggregator.Text("build/context"));
        Assert.Equal("Dockerfile", aggregator.Text("build/dockerfile") ?? "Dockerfile");
        Assert.Null(aggregator.At("user"));
        Assert.Equal("true", aggregator.Text("read_only"));
        Assert.Contains("/tmp", aggregator.Strings("tmpfs"));
        Assert.Contains("ALL", aggregator.Strings("cap_drop"));
        Assert.NotEqual("true", aggregator.Text("privileged"));
        Assert.Contains(aggregator.Strings("ports"), p => p.EndsWith(":9102", StringComparison.Ordinal));
    }

    [Fact]
    public void The_aggregator_reads_the_kubeconfig_k3s_writes_rewritten_to_the_k3s_service_address()
    {
        var k3s = Service("k3s");
        var rewrite = Service("kubeconfig");
        var aggregator = Service("aggregator");

        // k3s serves a certificate valid for its service name, and writes its kubeconfig onto a volume...
        Assert.Contains("--tls-san=k3s", k3s.Strings("command"));
        Assert.Equal("true", k3s.Text("privileged"));
        var written = VolumePathOf(k3s, Environment(k3s)["K3S_KUBECONFIG_OUTPUT"]!);
        Assert.Equal("644", Environment(k3s)["K3S_KUBECONFIG_MODE"]);

        // ...which the one-shot rewrite reads, once k3s is healthy, and writes to another volume...
        var command = rewrite.Strings("command");
        Assert.Equal("sh", command[0]);
        var script = Assert.Single(Mounts(rewrite), m => m.Target == command[1]);
        Assert.Equal("./deploy/compose/rewrite-kubeconfig.sh", script.Source);
        Assert.Equal(written, VolumePathOf(rewrite, command[2]));
        var rewritten = VolumePathOf(rewrite, command[3]);
        Assert.Equal("service_healthy", rewrite.Text("depends_on/k3s/condition"));
        Assert.Contains("/output/kubeconfig.yaml", string.Join(' ', k3s.Strings("healthcheck/test")));

        // ...which the aggregator, started after the rewrite has finished, reads as its KUBECONFIG.
        Assert.Equal(rewritten, VolumePathOf(aggregator, Environment(aggregator)["KUBECONFIG"]!));
        Assert.Equal("service_completed_successfully", aggregator.Text("depends_on/kubeconfig/condition"));
    }

    [Fact]
    public void The_rewrite_script_turns_k3s_kubeconfig_into_one_for_the_compose_network()
    {
        using var directory = new TemporaryDirectory();
        var input = Path.Combine(directory.Path, "kubeconfig.yaml");
        var output = Path.Combine(directory.Path, "config");
        File.WriteAllText(input, K3sKubeconfig("https://127.0.0.1:6443"));

        var (exit, error) = RunRewrite(input, output);

        Assert.True(exit == 0, error);
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(output);
        Assert.Equal("https://k3s:6443", configuration.Host.TrimEnd('/'));
        Assert.NotNull(configuration.ClientCertificateData);
        // Nothing else changed.
        Assert.Equal(
            File.ReadAllText(input).Replace("https://127.0.0.1:6443", "https://k3s:6443", StringComparison.Ordinal),
            File.ReadAllText(output));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(output).HasFlag(UnixFileMode.OtherRead), "the rewritten kubeconfig is not readable by the aggregator's user");
        }
    }

    [Fact]
    public void The_rewrite_script_fails_clearly_without_a_kubeconfig_or_a_server_to_rewrite()
    {
        using var directory = new TemporaryDirectory();
        var output = Path.Combine(directory.Path, "config");

        var (missing, missingError) = RunRewrite(Path.Combine(directory.Path, "absent.yaml"), output);
        Assert.NotEqual(0, missing);
        Assert.Contains("k3s wrote no kubeconfig", missingError, StringComparison.Ordinal);

        var other = Path.Combine(directory.Path, "other.yaml");
        File.WriteAllText(other, K3sKubeconfig("https://10.0.0.1:6443"));
        var (unchanged, unchangedError) = RunRewrite(other, output);
        Assert.NotEqual(0, unchanged);
        Assert.Contains("no server address to rewrite", unchangedError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void K3s_auto_deploys_a_demo_workload_in_the_namespace_the_aggregator_reads()
    {
        var k3s = Service("k3s");
        var manifests = Assert.Single(Mounts(k3s), m => m.Target.StartsWith("/var/lib/rancher/k3s/server/manifests", StringComparison.Ordinal));
        // A subdirectory: k3s writes its own manifests into the directory itself, and would write them into the repository.
        Assert.StartsWith("/var/lib/rancher/k3s/server/manifests/", manifests.Target, StringComparison.Ordinal);
        Assert.True(manifests.IsBind);

        var objects = new List<JsonObject>();
        foreach (var file in Directory.EnumerateFiles(Repository.PathOf(manifests.Source), "*", SearchOption.AllDirectories))
        {
            // k3s names an AddOn after the file: a lowercase RFC 1123 name.
            Assert.Matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\\.ya?ml$", Path.GetFileName(file));
            objects.AddRange(Yaml.LoadFile(file).Cast<JsonObject>());
        }

        var ns = Environment(Service("aggregator"))["NAMESPACE"];
        Assert.Contains(objects, o => o.Text("kind") == "Namespace" && o.Text("metadata/name") == ns);
        Assert.Contains(objects, o => o.Text("kind") == "Deployment" && o.Text("metadata/namespace") == ns);
        Assert.All(objects.Where(o => o.Text("kind") != "Namespace"), o => Assert.Equal(ns, o.Text("metadata/namespace")));
    }

    [Fact]
    public void Loki_prometheus_and_grafana_are_wired_to_each_other_and_to_the_aggregator()
    {
        // Loki listens where the aggregator and Grafana send.
        var loki = Service("loki");
        var lokiConfigPath = Assert.Single(loki.Strings("command"), c => c.StartsWith("-config.file=", StringComparison.Ordinal))["-config.file=".Length..];
        var lokiConfig = Yaml.LoadObject(Repository.PathOf(Assert.Single(Mounts(loki), m => m.Target == lokiConfigPath).Source));
        var lokiUrl = $"http://loki:{lokiConfig.Text("server/http_listen_port")}";
        Assert.Equal(lokiUrl, Environment(Service("aggregator"))["LOKI_URL"]);
        Assert.Equal("false", lokiConfig.Text("auth_enabled"));

        // Prometheus scrapes the aggregator's metrics port.
        var prometheus = Service("prometheus");
        var prometheusConfigPath = Assert.Single(prometheus.Strings("command"), c => c.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        var prometheusConfig = Yaml.LoadObject(Repository.PathOf(Assert.Single(Mounts(prometheus), m => m.Target == prometheusConfigPath).Source));
        var targets = prometheusConfig.Items("scrape_configs").SelectMany(c => c.Items("static_configs")).SelectMany(c => c.Strings("targets"));
        Assert.Contains($"aggregator:{DockerfileTests.Final().Exposed.Single()}", targets);

        // Grafana has both as data sources, and loads the dashboard from where it is mounted.
        var grafana = Service("grafana");
        var mounts = Mounts(grafana);
        var datasourcesDirectory = Assert.Single(mounts, m => m.Target == "/etc/grafana/provisioning/datasources").Source;
        var datasources = Directory.EnumerateFiles(Repository.PathOf(datasourcesDirectory), "*.yaml")
            .SelectMany(f => Yaml.LoadObject(f).Items("datasources")).ToDictionary(d => d.Text("type")!);
        Assert.Equal(lokiUrl, datasources["loki"].Text("url"));
        Assert.Equal("http://prometheus:9090", datasources["prometheus"].Text("url"));
        Assert.Equal("true", datasources["prometheus"].Text("isDefault"));

        var dashboardsDirectory = Assert.Single(mounts, m => m.Target == "/etc/grafana/provisioning/dashboards").Source;
        var provider = Assert.Single(Directory.EnumerateFiles(Repository.PathOf(dashboardsDirectory), "*.yaml").SelectMany(f => Yaml.LoadObject(f).Items("providers")));
        var dashboard = Assert.Single(mounts, m => m.Source == "./" + DashboardTests.DashboardFile);
        Assert.Equal(provider.Text("options/path"), Path.GetDirectoryName(dashboard.Target)!.Replace('\\', '/'));
    }

    private static (int Exit, string Error) RunRewrite(string input, string output)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { Repository.PathOf("deploy/compose/rewrite-kubeconfig.sh"), input, output, "0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the rewrite script did not finish");
        return (process.ExitCode, error.Result);
    }

    /// <summary>A kubeconfig as k3s writes it: a CA and a client certificate inline, the server on the loopback address.</summary>
    private static string K3sKubeconfig(string server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=k3s-server-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new CertificateRequest("CN=system:admin, O=system:masters", clientKey, HashAlgorithmName.SHA256)
            .Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddHours(23), [1, 2, 3, 4]);

        static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        return $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: {Base64(ca.ExportCertificatePem())}
                server: {server}
              name: default
            contexts:
            - context:
                cluster: default
                user: default
              name: default
            current-context: default
            kind: Config
            preferences: {"{}"}
            users:
            - name: default
              user:
                client-certificate-data: {Base64(client.ExportCertificatePem())}
                client-key-data: {Base64(clientKey.ExportECPrivateKeyPem())}

            """;
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("aggregator-deployment-tests-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
