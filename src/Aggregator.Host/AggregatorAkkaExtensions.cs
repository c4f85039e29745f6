using Aggregator.Actors.Discovery;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Tailing;
using Akka;
using Akka.Actor;
using Akka.Hosting;
using k8s;

namespace Aggregator.Host;

/// <summary>Adds the aggregator's actors and stream graph to an Akka.Hosting actor system.</summary>
public static class AggregatorAkkaExtensions
{
    /// <summary>
    /// Starts the pusher, the pipeline, the tail registry and one pod watcher per namespace, shipping through
    /// <paramref name="shipper"/>; the long-lived actors are registered under their own types.
    /// </summary>
    public static AkkaConfigurationBuilder WithLogAggregator(
        this AkkaConfigurationBuilder builder, AggregatorSettings settings, IKubernetes kubernetes, ILogShipper shipper,
        IStreamPositions? positions, AggregatorRuntime runtime) =>
        settings.Cluster is { } cluster
            ? builder.WithShardedLogAggregator(settings, cluster, kubernetes, shipper, positions, runtime)
            : builder
            .WithShippingSettings(settings)
            .WithActors((system, registry, resolver) =>
        {
            var (pipeline, dispatcher) = ShippingPipeline.Start(system, settings, shipper, runtime);
            var dependencies = new TailDependencies(
                new KubernetesPodApi((Kubernetes)kubernetes, settings.Kubernetes.DisableHttp2), pipeline.Intake, settings.Tail, runtime.Budget, runtime.Counters,
                settings.ResumeFromLoki ? positions : null, pipeline.Pacer);
            var tails = system.ActorOf(ContainerTails.Props(dependencies), "tails");
            var watchers = settings.Namespaces
                .Select(ns => system.ActorOf(PodWatcher.Props(ns, kubernetes, tails, settings.Discovery, runtime.Counters), $"pod-watcher-{ns ?? "all"}"))
                .ToList();

            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-tailing", async () =>
            {
                // Stop reading first, so that what was read can still be flushed while the system is whole.
                await Task.WhenAll(watchers.Select(w => w.GracefulStop(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
                await tails.GracefulStop(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                return Done.Instance;
            });
            ShippingPipeline.AddFlushTask(system, resolver, pipeline, settings, runtime);

            registry.Register<PushDispatcher>(dispatcher);
            registry.Register<ContainerTails>(tails);
            ShippingPipeline.KnowNamespaces(settings, runtime);
            runtime.Tails = tails;
            runtime.Watchers = watchers;
        });
}
