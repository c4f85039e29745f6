using System.Collections;
using Aggregator.Host;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Aggregator.Tests.Host;

public sealed class AggregatorSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private AggregatorSettings From(IDictionary<string, string?>? values = null, IDictionary? environment = null, string? kubeconfigNamespace = "default")
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Aggregator:Kubernetes:Kubeconfig"] = TestKubeconfig.Write(_directory, kubeconfigNamespace) })
            .AddInMemoryCollection(LegacyEnvironment.Read(environment ?? new Hashtable()))
            .AddInMemoryCollection(values ?? new Dictionary<string, string?>())
            .Build();
        return AggregatorSettings.From(configuration);
    }

    private string Refused(IDictionary<string, string?>? values = null, IDictionary? environment = null, string? kubeconfigNamespace = "default") =>
        Assert.Throws<ConfigurationException>(() => From(values, environment, kubeconfigNamespace)).Message;

    private string RefusedEnvironment(string variable, string value) => Refused(environment: new Hashtable { [variable] = value });

    [Fact]
    public void Without_settings_the_defaults_apply_and_the_kubeconfig_context_s_namespace_is_watched()
    {
        var settings = From();

        Assert.Equal(["default"], settings.Namespaces);
        Assert.Null(settings.Loki);
        Assert.Equal(5000, settings.Pipeline.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Pipeline.BatchTimeout);
        Assert.Equal(1024 * 1024, settings.Pipeline.BatchMaxBytes);
        Assert.Equal(16, settings.Pipeline.Lanes);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.Pipeline.RetryMinimum);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Pipeline.RetryMaximum);
        Assert.Empty(settings.Discovery.IgnorePodPrefixes);
        Assert.Empty(settings.Discovery.IgnoreContainers);
        Assert.Empty(settings.Discovery.PodLabelMap);
        Assert.Null(settings.Discovery.SelfPodName);
        Assert.Null(settings.Discovery.ClusterName);
        Assert.Null(settings.Discovery.LabelSelector);
        Assert.Equal(TimeSpan.FromSeconds(600), settings.Discovery.WatchTimeout);
        Assert.Equal("http://127.0.0.1:1", settings.Kubernetes.Host.TrimEnd('/'));
        Assert.Equal(TimeSpan.FromSeconds(100), settings.Kubernetes.HttpClientTimeout);
        Assert.Equal(TimeSpan.FromSeconds(25), settings.ShutdownGrace);
    }

    [Fact]
    public void A_response_given_up_before_its_end_closes_its_connection_instead_of_being_read_on()
    {
        var settings = From();
        using var handler = new SocketsHttpHandler();
        Assert.NotEqual(0, handler.MaxResponseDrainSize);

        Assert.NotNull(settings.Kubernetes.FirstMessageHandlerSetup);
        settings.Kubernetes.FirstMessageHandlerSetup(handler);

        // A follow stream has no end to drain to: reading on only keeps the old request open at the API server.
        Assert.Equal(0, handler.MaxResponseDrainSize);
    }

    [Fact]
    public void The_legacy_variables_set_their_settings()
    {
        var settings = From(environment: new Hashtable
        {
            ["NAMESPACE"] = "shop, billing ,shop",
            ["LOKI_URL"] = "http://loki:3100",
            ["CLUSTER_NAME"] = " eu-1 ",
            ["BATCH_SIZE"] = "250",
            ["BATCH_TIMEOUT"] = "0.25",
            ["IGNORE_APPS"] = "kube-proxy, fluent",
            ["IGNORE_CONTAINERS"] = "istio-proxy",
            ["POD_NAME"] = "aggregator-0",
        });

        Assert.Equal(["shop", "billing"], settings.Namespaces);
        Assert.Equal(new Uri("http://loki:3100/loki/api/v1/push"), settings.Loki?.PushUri);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Loki?.RequestTimeout);
        Assert.Equal("eu-1", settings.Discovery.ClusterName);
        Assert.Equal(250, settings.Pipeline.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Pipeline.BatchTimeout);
        Assert.Equal(["kube-proxy", "fluent"], settings.Discovery.IgnorePodPrefixes);
        Assert.Equal(["istio-proxy"], settings.Discovery.IgnoreContainers);
        Assert.Equal("aggregator-0", settings.Discovery.SelfPodName);
    }

    [Fact]
    public void A_star_namespace_watches_all_namespaces()
    {
        Assert.Equal([null], From(environment: new Hashtable { ["NAMESPACE"] = " * " }).Namespaces);
    }

    [Fact]
    public void Loki_options_are_carried_into_the_loki_settings()
    {
        var settings = From(new Dictionary<string, string?>
        {
            ["Aggregator:Loki:Url"] = "https://logs.example.com/gateway/",
            ["Aggregator:Loki:TenantId"] = "team-a",
            ["Aggregator:Loki:Username"] = "user",
            ["Aggregator:Loki:Password"] = "secret",
            ["Aggregator:Loki:TimeoutSeconds"] = "7.5",
            ["Aggregator:Loki:RetryMinimumMilliseconds"] = "20",
            ["Aggregator:Loki:RetryMaximumSeconds"] = "2",
            ["Aggregator:PodLabels:app.kubernetes.io/version"] = "version",
            ["Aggregator:LabelSelector"] = " tier=web ",
        });

        Assert.Equal(new Uri("https://logs.example.com/gateway/loki/api/v1/push"), settings.Loki?.PushUri);
        Assert.Equal("team-a", settings.Loki?.TenantId);
        Assert.Equal("user", settings.Loki?.Username);
        Assert.Equal("secret", settings.Loki?.Password);
        Assert.Equal(TimeSpan.FromSeconds(7.5), settings.Loki?.RequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(20), settings.Pipeline.RetryMinimum);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Pipeline.RetryMaximum);
        Assert.Equal(new Dictionary<string, string> { ["app.kubernetes.io/version"] = "version" }, settings.Discovery.PodLabelMap);
        Assert.Equal("tier=web", settings.Discovery.LabelSelector);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void A_batch_size_that_is_not_a_whole_number_names_BATCH_SIZE(string value)
    {
        var message = RefusedEnvironment("BATCH_SIZE", value);

        Assert.Contains("BATCH_SIZE", message, StringComparison.Ordinal);
        Assert.Contains(value, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1000001")]
    public void A_batch_size_out_of_range_names_BATCH_SIZE(string value)
    {
        var message = RefusedEnvironment("BATCH_SIZE", value);

        Assert.StartsWith("BATCH_SIZE is " + value, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("3601")]
    [InlineData("NaN")]
    [InlineData("soon")]
    public void An_invalid_batch_timeout_names_BATCH_TIMEOUT(string value)
    {
        Assert.Contains("BATCH_TIMEOUT", RefusedEnvironment("BATCH_TIMEOUT", value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("loki:3100")]
    [InlineData("not a url")]
    [InlineData("/loki/api/v1/push")]
    public void A_loki_url_that_is_not_http_names_LOKI_URL(string value)
    {
        var message = RefusedEnvironment("LOKI_URL", value);

        Assert.StartsWith("LOKI_URL is '" + value + "'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("UPPER")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("dots.not.allowed")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void A_namespace_that_is_not_a_dns_label_names_NAMESPACE_and_the_name(string value)
    {
        var message = RefusedEnvironment("NAMESPACE", "good," + value);

        Assert.StartsWith("NAMESPACE contains '" + value + "'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*,a")]
    [InlineData("a, *")]
    public void A_star_mixed_with_names_names_NAMESPACE(string value)
    {
        Assert.StartsWith("NAMESPACE mixes *", RefusedEnvironment("NAMESPACE", value), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_namespace_anywhere_the_message_names_NAMESPACE()
    {
        Assert.StartsWith("NAMESPACE is not set", Refused(kubeconfigNamespace: null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad-name")]
    [InlineData("9lives")]
    [InlineData("__reserved")]
    [InlineData("dotted.name")]
    public void A_pod_label_mapped_to_an_invalid_loki_name_names_the_mapping(string lokiLabel)
    {
        var message = Refused(new Dictionary<string, string?> { ["Aggregator:PodLabels:team"] = lokiLabel });

        Assert.StartsWith($"Aggregator:PodLabels maps 'team' to '{lokiLabel}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_label_mapped_to_an_empty_loki_name_is_refused()
    {
        var message = Refused(new Dictionary<string, string?> { ["Aggregator:PodLabels:team"] = string.Empty });

        Assert.StartsWith("Aggregator:PodLabels maps 'team'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_and_password_in_LOKI_URL_are_basic_authentication_and_leave_the_url()
    {
        var settings = From(new Dictionary<string, string?> { ["Aggregator:Loki:Url"] = "https://us%40er:p%3As3cret@logs.example.com/gateway/" });

        Assert.Equal("us@er", settings.Loki?.Username);
        Assert.Equal("p:s3cret", settings.Loki?.Password);
        Assert.Equal(new Uri("https://logs.example.com/gateway/loki/api/v1/push"), settings.Loki?.PushUri);
        Assert.DoesNotContain("s3cret", settings.Loki!.PushUri.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://user@loki:3100", null, "LOKI_URL carries a user without a password")]
    [InlineData("http://user:s3cret@loki:3100", "other", "LOKI_URL carries a user and password, and Aggregator:Loki:Username or Password is set too")]
    // A password with a # or a / in it, unescaped, leaves a URL that does not parse.
    [InlineData("http://user:s3cret#/x@loki:3100", null, "LOKI_URL is 'http://***@loki:3100': expected an http:// or https:// URL")]
    public void Credentials_in_LOKI_URL_that_cannot_be_used_are_refused_without_echoing_them(string url, string? username, string expected)
    {
        var message = Refused(new Dictionary<string, string?>
        {
            ["Aggregator:Loki:Url"] = url, ["Aggregator:Loki:Username"] = username, ["Aggregator:Loki:Password"] = username is null ? null : "x",
        });

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_selector_the_API_server_would_refuse_is_refused_in_one_line_naming_the_setting()
    {
        var message = Refused(new Dictionary<string, string?> { ["Aggregator:LabelSelector"] = "app in (" });

        Assert.Equal(
            "Aggregator:LabelSelector is 'app in (': the values of 'app in' are not closed with ')'; expected a label selector such as tier=web,env!=dev or env in (prod,staging)",
            message);
    }

    [Fact]
    public void A_username_without_a_password_is_refused()
    {
        var message = Refused(new Dictionary<string, string?>
        {
            ["Aggregator:Loki:Url"] = "http://loki:3100",
            ["Aggregator:Loki:Username"] = "user",
        });

        Assert.Equal("Aggregator:Loki:Username is set without Aggregator:Loki:Password", message);
    }

    [Theory]
    [InlineData("Aggregator:Loki:Password", "secret", null, null, "Aggregator:Loki:Password is set without Aggregator:Loki:Username")]
    [InlineData("Aggregator:Loki:Username", "user", "Aggregator:Loki:BearerToken", "t", "Aggregator:Loki:Username and a bearer token")]
    [InlineData("Aggregator:Loki:BearerToken", "t", "Aggregator:Loki:BearerTokenFile", "token", "Aggregator:Loki:BearerToken and Aggregator:Loki:BearerTokenFile are both set")]
    public void Credentials_of_which_one_would_be_dropped_are_refused(string key, string value, string? otherKey, string? otherValue, string expected)
    {
        var values = new Dictionary<string, string?> { ["Aggregator:Loki:Url"] = "http://loki:3100", [key] = value };
        if (key == "Aggregator:Loki:Username")
        {
            values["Aggregator:Loki:Password"] = "secret";
        }

        if (otherKey is not null)
        {
            var token = Path.Combine(_directory, "token");
            File.WriteAllText(token, "t");
            values[otherKey] = otherKey.EndsWith("File", StringComparison.Ordinal) ? token : otherValue;
        }

        Assert.StartsWith(expected, Refused(values), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")]
    public void A_ca_file_without_a_readable_certificate_is_refused(string content)
    {
        var caFile = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(caFile, content);

        var message = Refused(new Dictionary<string, string?> { ["Aggregator:Loki:Url"] = "https://loki:3100", ["Aggregator:Loki:CaFile"] = caFile });

        Assert.Equal($"Aggregator:Loki:CaFile '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", message);
    }

    [Fact]
    public void An_invalid_tenant_id_is_refused()
    {
        var message = Refused(new Dictionary<string, string?>
        {
            ["Aggregator:Loki:Url"] = "http://loki:3100",
            ["Aggregator:Loki:TenantId"] = "team a",
        });

        Assert.StartsWith("Aggregator:Loki:TenantId 'team a'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_bearer_token_file_is_refused()
    {
        var missing = Path.Combine(_directory, "no-such-token");

        var message = Refused(new Dictionary<string, string?>
        {
            ["Aggregator:Loki:Url"] = "http://loki:3100",
            ["Aggregator:Loki:BearerTokenFile"] = missing,
        });

        Assert.Equal($"Aggregator:Loki:BearerTokenFile '{missing}' does not exist", message);
    }

    [Theory]
    [InlineData("Aggregator:Batch:Lanes", "0")]
    [InlineData("Aggregator:Batch:Lanes", "257")]
    [InlineData("Aggregator:Batch:MaxBytes", "1023")]
    [InlineData("Aggregator:Kubernetes:WatchTimeoutSeconds", "0")]
    [InlineData("Aggregator:Kubernetes:RequestTimeoutSeconds", "-1")]
    [InlineData("Aggregator:Loki:RetryMinimumMilliseconds", "0")]
    [InlineData("Aggregator:Loki:RetryMaximumSeconds", "0")]
    [InlineData("Aggregator:Loki:TimeoutSeconds", "0")]
    [InlineData("Aggregator:Batch:Lanes", "many")]
    public void Other_invalid_numbers_name_their_key(string key, string value)
    {
        var values = new Dictionary<string, string?> { [key] = value, ["Aggregator:Loki:Url"] = "http://loki:3100" };

        Assert.StartsWith(key, Refused(values), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_kubeconfig_is_a_configuration_error()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Aggregator:Kubernetes:Kubeconfig"] = Path.Combine(_directory, "no-such-kubeconfig"),
            })
            .Build();

        var message = Assert.Throws<ConfigurationException>(() => AggregatorSettings.From(configuration)).Message;

        Assert.StartsWith("cannot load the Kubernetes configuration", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://loki:3100", "http://loki:3100/loki/api/v1/push")]
    [InlineData("http://loki:3100/", "http://loki:3100/loki/api/v1/push")]
    [InlineData("https://gw.example.com/tenant-a", "https://gw.example.com/tenant-a/loki/api/v1/push")]
    [InlineData("https://gw.example.com/tenant-a/", "https://gw.example.com/tenant-a/loki/api/v1/push")]
    [InlineData("http://loki:3100/loki/api/v1/push", "http://loki:3100/loki/api/v1/push")]
    [InlineData("https://gw.example.com/x/loki/api/v1/push", "https://gw.example.com/x/loki/api/v1/push")]
    public void PushUri_accepts_a_base_url_or_the_full_push_url(string url, string push)
    {
        Assert.Equal(push, AggregatorSettings.PushUri(new Uri(url)).AbsoluteUri);
    }

    [Fact]
    public void PushUri_drops_the_trailing_slash_of_a_full_push_url()
    {
        Assert.Equal("http://loki:3100/loki/api/v1/push", AggregatorSettings.PushUri(new Uri("http://loki:3100/loki/api/v1/push/")).AbsoluteUri);
    }
}
