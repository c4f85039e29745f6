using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aggregator.Host;
using k8s.Exceptions;
using Xunit;

namespace Aggregator.Tests.Host;

public sealed class KubeconfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-kubeconfig-").FullName;
    private readonly string _noDefault;

    public KubeconfigLoaderTests() => _noDefault = Path.Combine(_directory, "no-default-config");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Config(string current, params (string Name, string Server, string Namespace, string? Token)[] contexts)
    {
        var clusters = string.Concat(contexts.Select(c => $"\n- name: {c.Name}\n  cluster:\n    server: {c.Server}"));
        var users = string.Concat(contexts.Select(c => $"\n- name: {c.Name}\n  user:\n    token: {c.Token ?? "none"}"));
        var named = string.Concat(contexts.Select(c => $"\n- name: {c.Name}\n  context:\n    cluster: {c.Name}\n    user: {c.Name}\n    namespace: {c.Namespace}"));
        return $"apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:{clusters}\nusers:{users}\ncontexts:{named}\npreferences: {{}}\n";
    }

    [Fact]
    public void A_kubeconfig_gives_the_server_namespace_and_token_of_its_current_context()
    {
        var path = Write("config", Config("b", ("a", "http://127.0.0.1:1", "ns-a", "token-a"), ("b", "http://127.0.0.1:2", "ns-b", "token-b")));

        var configuration = KubeconfigLoader.Load(path, context: null, kubeconfigVariable: null, _noDefault);

        Assert.Equal("http://127.0.0.1:2", configuration.Host);
        Assert.Equal("ns-b", configuration.Namespace);
        Assert.Equal("token-b", configuration.AccessToken);
        Assert.Equal("b", configuration.CurrentContext);
    }

    [Fact]
    public void A_named_context_overrides_the_current_one()
    {
        var path = Write("config", Config("b", ("a", "http://127.0.0.1:1", "ns-a", "token-a"), ("b", "http://127.0.0.1:2", "ns-b", "token-b")));

        var configuration = KubeconfigLoader.Load(path, "a", kubeconfigVariable: null, _noDefault);

        Assert.Equal("http://127.0.0.1:1", configuration.Host);
        Assert.Equal("ns-a", configuration.Namespace);
    }

    [Fact]
    public void Kubeconfig_files_listed_together_are_merged_and_the_first_to_name_a_thing_wins()
    {
        var first = Write("first", Config("a", ("a", "http://127.0.0.1:1", "ns-a", "first-token")));
        var second = Write("second", Config("b", ("a", "http://127.0.0.1:9", "ns-other", "second-token"), ("b", "http://127.0.0.1:2", "ns-b", "token-b")));
        var missing = Path.Combine(_directory, "missing");

        var listed = string.Join(Path.PathSeparator, first, missing, second);
        var current = KubeconfigLoader.Load(path: null, context: null, listed, _noDefault);
        var fromSecond = KubeconfigLoader.Load(path: null, "b", listed, _noDefault);

        Assert.Equal(("http://127.0.0.1:1", "ns-a", "first-token"), (current.Host, current.Namespace, current.AccessToken));
        Assert.Equal(("http://127.0.0.1:2", "ns-b", "token-b"), (fromSecond.Host, fromSecond.Namespace, fromSecond.AccessToken));
    }

    [Fact]
    public void Without_a_path_or_kubeconfig_variable_the_default_file_is_read()
    {
        var defaultFile = Write("default", Config("a", ("a", "http://127.0.0.1:3", "ns-default", null)));

        var configuration = KubeconfigLoader.Load(path: null, context: null, kubeconfigVariable: "", defaultFile);

        Assert.Equal("http://127.0.0.1:3", configuration.Host);
    }

    [Fact]
    public void A_relative_certificate_authority_is_found_beside_the_kubeconfig()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Directory.CreateDirectory(Path.Combine(_directory, "certs"));
        File.WriteAllText(Path.Combine(_directory, "certs", "ca.crt"), ca.ExportCertificatePem());
        var path = Write("config", """
            apiVersion: v1
            kind: Config
            current-context: tls
            clusters:
            - name: tls
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: certs/ca.crt
            contexts:
            - name: tls
              context:
                cluster: tls
            """);

        var configuration = KubeconfigLoader.Load(path, context: null, kubeconfigVariable: null, _noDefault);

        Assert.Equal(ca.Thumbprint, Assert.Single(configuration.SslCaCerts!).Thumbprint);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_directory, "nowhere");

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path, null, null, _noDefault)).Message;

        Assert.Contains(path, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_yaml_is_named_with_the_line()
    {
        var path = Write("broken", "apiVersion: v1\nclusters:\n- name: [unclosed\n");

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path, null, null, _noDefault)).Message;

        Assert.StartsWith($"{path} is not a kubeconfig", message, StringComparison.Ordinal);
        Assert.Contains("line", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        var path = Write("empty", "");

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path, null, null, _noDefault)).Message;

        Assert.Equal($"{path} is empty", message);
    }

    [Fact]
    public void A_kubeconfig_variable_naming_no_existing_file_is_refused()
    {
        var listed = Path.Combine(_directory, "a") + Path.PathSeparator + Path.Combine(_directory, "b");

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(null, null, listed, _noDefault)).Message;

        Assert.Equal($"KUBECONFIG is '{listed}', and none of the files it names exists", message);
    }

    [Fact]
    public void An_unknown_context_is_named()
    {
        var path = Write("config", Config("a", ("a", "http://127.0.0.1:1", "ns-a", null)));

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path, "elsewhere", null, _noDefault)).Message;

        Assert.Contains("elsewhere", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_context_with_no_kubeconfig_anywhere_is_refused()
    {
        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(null, "prod", null, _noDefault)).Message;

        Assert.Equal("no kubeconfig file to take context 'prod' from", message);
    }

    [Fact]
    public void Outside_a_pod_and_without_any_kubeconfig_the_error_says_where_it_looked()
    {
        if (k8s.KubernetesClientConfiguration.IsInCluster())
        {
            return; // Inside a pod the service account is the answer.
        }

        var message = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(null, null, null, _noDefault)).Message;

        Assert.Equal($"no kubeconfig ({_noDefault} does not exist and KUBECONFIG is not set) and not running in a pod", message);
    }
}
