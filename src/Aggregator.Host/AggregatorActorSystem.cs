using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aggregator.Host;

/// <summary>
/// Creates the actor system from what Akka.Hosting's builder gathered, in place of Akka.Hosting's own factory, so that
/// Akka does not read the .NET Framework's app.config on the way.
/// </summary>
/// <remarks>
/// <c>ActorSystem.Create</c> with setups, the overload Akka.Hosting calls, evaluates <c>ConfigurationFactory.Load()</c>
/// even when the setups carry the whole configuration (Akka 1.5.74: <c>GetOrElse(ConfigurationFactory.Load())</c>).
/// That initialises System.Configuration for an "akka" section the aggregator never has: the XML reader, the process's
/// main module, a hash of the executable's path. It cost about 8 MiB of the aggregator's peak memory (BENCHMARKS.md).
/// The setups and serializers are the aggregator's own, given here; nothing may add any through Akka.Hosting's builder,
/// whose lists this factory does not read (a test checks that they stay empty).
/// </remarks>
internal static class AggregatorActorSystem
{
    /// <summary>The actor system's name, the same on every member of a cluster.</summary>
    public const string Name = "aggregator";

    /// <summary>Registers the actor system in place of the one <c>AddAkka</c> registered; call after <c>AddAkka</c>.</summary>
    public static IServiceCollection AddAggregatorActorSystem(this IServiceCollection services, Func<IServiceProvider, IEnumerable<Setup>> setups) =>
        // Replaced, not added after it: a second registration would still create a system for anyone asking for all of them.
        services.Replace(ServiceDescriptor.Singleton<ActorSystem>(provider =>
        {
            // Resolving the builder runs the AddAkka callback, which gathers the configuration.
            var builder = provider.GetRequiredService<AkkaConfigurationBuilder>();
            var config = builder.Configuration.GetOrElse(Config.Empty);
            var bootstrap = BootstrapSetup.Create().WithConfig(config);
            if (builder.ActorRefProvider.HasValue)
            {
                bootstrap = bootstrap.WithActorRefProvider(builder.ActorRefProvider.Value);
            }

            var setup = bootstrap.And(DependencyResolverSetup.Create(provider));
            foreach (var extra in setups(provider))
            {
                setup = setup.And(extra);
            }

            var system = new ActorSystemImpl(Name, config, setup);
            system.Start();
            return system;
        }));
}
