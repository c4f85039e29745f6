using System.Collections;
using System.Reflection;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Aggregator.Host;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>
/// The aggregator creates its actor system itself rather than through Akka.Hosting's factory (which has Akka read
/// app.config): the system must still get everything the builder and the aggregator gave it.
/// </summary>
public sealed class AggregatorActorSystemTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-system-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private IHost Build(IReadOnlyDictionary<string, string?>? values = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Aggregator:Kubernetes:Kubeconfig"] = TestKubeconfig.Write(_directory),
            ["Aggregator:Admin:Port"] = "0",
            ["Aggregator:Metrics:Port"] = "0",
            ["Aggregator:Metrics:Address"] = "127.0.0.1",
        };
        foreach (var (key, value) in values ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var configuration = AggregatorHost.Configuration([], overrides);
        return AggregatorHost.Build(AggregatorSettings.From(configuration), configuration, TextWriter.Null);
    }

    private static readonly Dictionary<string, string?> ClusterMode = new()
    {
        ["Aggregator:Mode"] = "cluster",
        ["Aggregator:Cluster:Hostname"] = "127.0.0.1",
        ["Aggregator:Cluster:Port"] = "0",
        ["Aggregator:Cluster:Seeds"] = "akka.tcp://aggregator@127.0.0.1:1",
    };

    [Fact]
    public async Task The_system_has_the_builder_s_configuration_and_the_log_forwarder_s_setup()
    {
        using var host = Build();
        var system = host.Services.GetRequiredService<ActorSystem>();
        try
        {
            Assert.Equal(AggregatorActorSystem.Name, system.Name);
            Assert.Contains(system.Settings.Config.GetStringList("akka.loggers"), logger => logger.Contains(nameof(AkkaLogForwarder), StringComparison.Ordinal));
            Assert.True(system.Settings.Setup.Get<AkkaLogForwarder.Factory>().HasValue);
            Assert.Same(system, Assert.Single(host.Services.GetServices<ActorSystem>()));
            Assert.IsType<TimerQueueScheduler>(system.Scheduler);
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task In_cluster_mode_the_system_is_a_cluster_member_whose_tail_messages_use_the_tail_protocol()
    {
        using var host = Build(ClusterMode);
        var system = host.Services.GetRequiredService<ActorSystem>();
        try
        {
            Assert.IsType<Akka.Cluster.ClusterActorRefProvider>(((ExtendedActorSystem)system).Provider);
            Assert.IsType<TimerQueueScheduler>(system.Scheduler);
            foreach (var message in new[] { typeof(StartTail), typeof(GetTailState), typeof(ResumeTail), typeof(StopTailing), typeof(TailState) })
            {
                Assert.IsType<TailProtocolSerializer>(system.Serialization.FindSerializerForType(message));
            }
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Nothing_is_left_in_akka_hosting_s_lists_of_setups_and_serializers(bool cluster)
    {
        // The factory reads only the builder's configuration and provider; a setup or serializer added through the
        // builder would be silently dropped.
        using var host = Build(cluster ? ClusterMode : null);
        var builder = host.Services.GetRequiredService<AkkaConfigurationBuilder>();

        Assert.Empty(InternalList(builder, "Setups"));
        Assert.Empty(InternalList(builder, "Serializers"));
    }

    private static IEnumerable<object> InternalList(AkkaConfigurationBuilder builder, string name)
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var value = typeof(AkkaConfigurationBuilder).GetField(name, Flags)?.GetValue(builder)
            ?? typeof(AkkaConfigurationBuilder).GetProperty(name, Flags)?.GetValue(builder)
            ?? throw new InvalidOperationException($"Akka.Hosting's builder has no {name} any more: check what AggregatorActorSystem reads");
        return ((IEnumerable)value).Cast<object>();
    }
}
