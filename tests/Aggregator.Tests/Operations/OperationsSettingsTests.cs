using System.Collections;
using System.Net;
using Aggregator.Host;
using Aggregator.Host.Operations;
using Aggregator.Tests.Host;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Aggregator.Tests.Operations;

/// <summary>The admin, metrics and log-format settings: defaults, the short variables, and what is refused.</summary>
public sealed class OperationsSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-operations-settings-").FullName;
    private readonly string _kubeconfig;

    public OperationsSettingsTests() => _kubeconfig = TestKubeconfig.Write(_directory, "shop");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private AggregatorSettings From(IDictionary? environment = null, params (string Key, string Value)[] values) =>
        AggregatorSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Aggregator:Kubernetes:Kubeconfig"] = _kubeconfig })
            .AddInMemoryCollection(LegacyEnvironment.Read(environment ?? new Hashtable()))
            .AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value))
            .Build());

    [Fact]
    public void By_default_admin_listens_on_loopback_9110_without_a_token_metrics_on_every_address_9102_and_logs_are_text()
    {
        var settings = From();

        Assert.Equal(new AdminEndpoint(IPAddress.Loopback, 9110, null), settings.Admin);
        Assert.Equal(IPAddress.Any, settings.Metrics.Address);
        Assert.Equal(9102, settings.Metrics.Port);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.Metrics.StuckAfter);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Metrics.NamespaceSeriesGrace);
        Assert.Equal(LogFormat.Text, settings.LogFormat);
    }

    [Fact]
    public void The_short_variables_set_the_ports_the_token_and_the_log_format()
    {
        var settings = From(new Hashtable { ["ADMIN_PORT"] = "9999", ["ADMIN_TOKEN"] = "s3cret", ["METRICS_PORT"] = "0", ["LOG_FORMAT"] = "json" });

        Assert.Equal(9999, settings.Admin.Port);
        Assert.Equal("s3cret", settings.Admin.Token);
        Assert.Equal(0, settings.Metrics.Port);
        Assert.Equal(LogFormat.Json, settings.LogFormat);
    }

    [Fact]
    public void An_admin_address_off_loopback_needs_a_token()
    {
        var refused = Assert.Throws<ConfigurationException>(() => From(null, ("Aggregator:Admin:Address", "0.0.0.0")));
        Assert.Contains("ADMIN_TOKEN", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);

        var settings = From(new Hashtable { ["ADMIN_TOKEN"] = "t" }, ("Aggregator:Admin:Address", "0.0.0.0"));
        Assert.Equal(IPAddress.Any, settings.Admin.Address);
    }

    [Theory]
    [InlineData("Aggregator:Admin:Port", "70000", "ADMIN_PORT")]
    [InlineData("Aggregator:Metrics:Port", "-1", "METRICS_PORT")]
    [InlineData("Aggregator:Admin:Address", "not-an-address", "Aggregator:Admin:Address")]
    [InlineData("Aggregator:LogFormat", "xml", "LOG_FORMAT")]
    [InlineData("Aggregator:Metrics:StuckAfterSeconds", "0", "Aggregator:Metrics:StuckAfterSeconds")]
    [InlineData("Aggregator:Metrics:NamespaceSeriesGraceSeconds", "0", "Aggregator:Metrics:NamespaceSeriesGraceSeconds is 0: expected a number above 0")]
    [InlineData("Aggregator:Metrics:NamespaceSeriesGraceSeconds", "-5", "Aggregator:Metrics:NamespaceSeriesGraceSeconds is -5: expected a number above 0")]
    [InlineData("Aggregator:Metrics:NamespaceSeriesGraceSeconds", "ten", "Aggregator:Metrics:NamespaceSeriesGraceSeconds is 'ten': expected a number")]
    public void Unusable_values_are_refused_naming_the_setting(string key, string value, string named)
    {
        var refused = Assert.Throws<ConfigurationException>(() => From(null, (key, value)));

        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_namespace_series_grace_is_set_in_seconds_fractions_allowed() =>
        Assert.Equal(TimeSpan.FromSeconds(1.5), From(null, ("Aggregator:Metrics:NamespaceSeriesGraceSeconds", "1.5")).Metrics.NamespaceSeriesGrace);

    [Fact]
    public void Every_new_variable_is_one_the_aggregator_reads()
    {
        foreach (var variable in new[] { "ADMIN_PORT", "ADMIN_TOKEN", "METRICS_PORT", "LOG_FORMAT" })
        {
            Assert.True(LegacyEnvironment.Keys.ContainsKey(variable), variable);
        }
    }
}
