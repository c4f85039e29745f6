using Aggregator.Actors.Tailing;
using Aggregator.Host;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>The settings for line size, buffering, stalls, shutdown, label names and resuming from Loki.</summary>
public sealed class AggregatorSettingsTailTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-settings-tail-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private AggregatorSettings From(IDictionary<string, string?>? values = null)
    {
        var kubeconfig = TestKubeconfig.Write(_directory);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Aggregator:Kubernetes:Kubeconfig"] = kubeconfig })
            .AddInMemoryCollection(values ?? new Dictionary<string, string?>())
            .Build();
        return AggregatorSettings.From(configuration);
    }

    private string Refused(string key, string value)
    {
        var message = Assert.Throws<ConfigurationException>(() => From(new Dictionary<string, string?> { [key] = value })).Message;
        Assert.DoesNotContain('\n', message);
        return message;
    }

    [Fact]
    public void Without_settings_the_defaults_apply()
    {
        var settings = From();

        Assert.Equal(256 * 1024, settings.Tail.MaxLineBytes);
        Assert.Equal(OverlongLines.Truncate, settings.Tail.OverlongLines);
        Assert.Equal(16L * 1024 * 1024, settings.BufferBudget);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Tail.StallMinimumQuiet);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Tail.StallCheckInterval);
        Assert.Equal(TimeSpan.FromHours(1), settings.Tail.StallMaximumQuiet);
        Assert.Equal(TimeSpan.FromSeconds(25), settings.ShutdownGrace);
        Assert.Equal(15, settings.Discovery.MaxLabelNames);
        Assert.True(settings.ResumeFromLoki);
    }

    [Fact]
    public void The_settings_are_carried_into_the_actors_settings()
    {
        var settings = From(new Dictionary<string, string?>
        {
            ["Aggregator:Tail:MaxLineBytes"] = "1024",
            ["Aggregator:Tail:OverlongLines"] = "Drop",
            ["Aggregator:Tail:MaxBufferedMiB"] = "3",
            ["Aggregator:Tail:StallMinimumQuietSeconds"] = "0.5",
            ["Aggregator:Tail:StallCheckIntervalSeconds"] = "2",
            ["Aggregator:ShutdownGraceSeconds"] = "7.5",
            ["Aggregator:MaxLabelNames"] = "4",
            ["Aggregator:Loki:ResumeFromLoki"] = "false",
        });

        Assert.Equal(1024, settings.Tail.MaxLineBytes);
        Assert.Equal(OverlongLines.Drop, settings.Tail.OverlongLines);
        Assert.Equal(3L * 1024 * 1024, settings.BufferBudget);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.Tail.StallMinimumQuiet);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Tail.StallCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(7.5), settings.ShutdownGrace);
        Assert.Equal(4, settings.Discovery.MaxLabelNames);
        Assert.False(settings.ResumeFromLoki);
    }

    [Theory]
    [InlineData("truncate", OverlongLines.Truncate)]
    [InlineData("DROP", OverlongLines.Drop)]
    [InlineData(" Drop ", OverlongLines.Drop)]
    public void OverlongLines_is_read_without_regard_to_case(string value, OverlongLines expected)
    {
        Assert.Equal(expected, From(new Dictionary<string, string?> { ["Aggregator:Tail:OverlongLines"] = value }).Tail.OverlongLines);
    }

    [Fact]
    public void MaxLabelNames_accepts_its_bounds()
    {
        Assert.Equal(4, From(new Dictionary<string, string?> { ["Aggregator:MaxLabelNames"] = "4" }).Discovery.MaxLabelNames);
        Assert.Equal(1000, From(new Dictionary<string, string?> { ["Aggregator:MaxLabelNames"] = "1000" }).Discovery.MaxLabelNames);
    }

    [Fact]
    public void The_buffer_accepts_its_bounds()
    {
        Assert.Equal(1024L * 1024, From(new Dictionary<string, string?> { ["Aggregator:Tail:MaxBufferedMiB"] = "1" }).BufferBudget);
        Assert.Equal(65536L * 1024 * 1024, From(new Dictionary<string, string?> { ["Aggregator:Tail:MaxBufferedMiB"] = "65536" }).BufferBudget);
    }

    [Theory]
    [InlineData("Aggregator:Tail:MaxLineBytes", "1023", "Aggregator:Tail:MaxLineBytes is 1023: expected at least 1024")]
    [InlineData("Aggregator:Tail:MaxLineBytes", "-5", "Aggregator:Tail:MaxLineBytes is -5: expected at least 1024")]
    [InlineData("Aggregator:Tail:OverlongLines", "Cut", "Aggregator:Tail:OverlongLines is 'Cut': expected Truncate or Drop")]
    [InlineData("Aggregator:Tail:OverlongLines", "7", "Aggregator:Tail:OverlongLines is '7': expected Truncate or Drop")]
    [InlineData("Aggregator:Tail:OverlongLines", "", "Aggregator:Tail:OverlongLines is '': expected Truncate or Drop")]
    [InlineData("Aggregator:Tail:MaxBufferedMiB", "0", "Aggregator:Tail:MaxBufferedMiB is 0: expected 1 to 65536")]
    [InlineData("Aggregator:Tail:MaxBufferedMiB", "65537", "Aggregator:Tail:MaxBufferedMiB is 65537: expected 1 to 65536")]
    [InlineData("Aggregator:Tail:StallMinimumQuietSeconds", "0", "Aggregator:Tail:StallMinimumQuietSeconds is 0: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:Tail:StallMinimumQuietSeconds", "-1", "Aggregator:Tail:StallMinimumQuietSeconds is -1: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:Tail:StallMinimumQuietSeconds", "NaN", "Aggregator:Tail:StallMinimumQuietSeconds is NaN: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:Tail:StallCheckIntervalSeconds", "0", "Aggregator:Tail:StallCheckIntervalSeconds is 0: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:ShutdownGraceSeconds", "0", "Aggregator:ShutdownGraceSeconds is 0: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:ShutdownGraceSeconds", "-2.5", "Aggregator:ShutdownGraceSeconds is -2.5: expected a number above 0 and at most 31536000 (a year)")]
    [InlineData("Aggregator:MaxLabelNames", "3", "Aggregator:MaxLabelNames is 3: expected 4 to 1000 (namespace, pod, container and app come first)")]
    [InlineData("Aggregator:MaxLabelNames", "1001", "Aggregator:MaxLabelNames is 1001: expected 4 to 1000 (namespace, pod, container and app come first)")]
    public void An_invalid_value_is_refused_in_one_line_naming_the_setting(string key, string value, string message)
    {
        Assert.Equal(message, Refused(key, value));
    }

    [Theory]
    [InlineData("Aggregator:Tail:MaxLineBytes", "big", "a whole number")]
    [InlineData("Aggregator:Tail:MaxBufferedMiB", "1.5", "a whole number")]
    [InlineData("Aggregator:Tail:StallMinimumQuietSeconds", "soon", "a number, such as 1 or 0.5")]
    [InlineData("Aggregator:ShutdownGraceSeconds", "forever", "a number, such as 1 or 0.5")]
    [InlineData("Aggregator:MaxLabelNames", "many", "a whole number")]
    [InlineData("Aggregator:Loki:ResumeFromLoki", "maybe", "true or false")]
    public void A_value_of_the_wrong_kind_is_refused_in_one_line_naming_the_setting_and_the_kind(string key, string value, string expected)
    {
        Assert.Equal($"{key} is '{value}': expected {expected}", Refused(key, value));
    }

    [Theory]
    [InlineData("Truncate,Drop")]
    [InlineData("1")]
    public void OverlongLines_accepts_only_the_names_Truncate_and_Drop(string value)
    {
        Assert.StartsWith("Aggregator:Tail:OverlongLines is", Refused("Aggregator:Tail:OverlongLines", value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Aggregator:ShutdownGraceSeconds")]
    [InlineData("Aggregator:Tail:StallMinimumQuietSeconds")]
    [InlineData("Aggregator:Tail:StallCheckIntervalSeconds")]
    public void A_number_of_seconds_too_large_for_a_time_span_is_refused_naming_the_setting(string key)
    {
        Assert.StartsWith(key, Refused(key, "1e300"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_young_generations_are_collected_every_five_seconds_unless_set_otherwise_or_turned_off()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), From().YoungGcInterval);
        Assert.Equal(TimeSpan.FromSeconds(2.5), From(new Dictionary<string, string?> { ["Aggregator:YoungGcIntervalSeconds"] = "2.5" }).YoungGcInterval);
        Assert.Null(From(new Dictionary<string, string?> { ["Aggregator:YoungGcIntervalSeconds"] = "0" }).YoungGcInterval);

        var error = Assert.Throws<ConfigurationException>(() => From(new Dictionary<string, string?> { ["Aggregator:YoungGcIntervalSeconds"] = "-1" }));
        Assert.StartsWith("Aggregator:YoungGcIntervalSeconds", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
