using Aggregator.Host;
using Microsoft.Extensions.Configuration;
using Xunit;
using AkkaLevel = Akka.Event.LogLevel;

namespace Aggregator.Tests.Host;

/// <summary>Akka's own level follows the Logging section, so that Akka drops only what would be dropped after it.</summary>
public sealed class AkkaLogLevelTests
{
    [Fact]
    public void Nothing_set_is_information_as_for_the_host()
    {
        Assert.Equal(AkkaLevel.InfoLevel, AkkaLogLevel.From(Logging()));
    }

    [Fact]
    public void The_default_level_is_akkas()
    {
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "Warning"), ("LogLevel:Microsoft", "Error"))));
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "none"))));
    }

    [Fact]
    public void A_category_or_provider_set_lower_than_the_default_lowers_it()
    {
        // Akka forwards events under their classes' names: the actors' own category may be the one asked for.
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "Warning"), ("LogLevel:Aggregator.Actors", "Debug"))));
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "Error"), ("Console:LogLevel:Default", "Trace"))));
        Assert.Equal(AkkaLevel.InfoLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "Warning"), ("Json:LogLevel:Akka", "Information"))));
    }

    [Fact]
    public void Settings_that_are_not_levels_do_not_count()
    {
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevel.From(Logging(("LogLevel:Default", "Warning"), ("Console:FormatterName", "Debug"))));
    }

    private static IConfigurationSection Logging(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Logging:" + s.Key, s.Value)))
            .Build()
            .GetSection("Logging");
}
