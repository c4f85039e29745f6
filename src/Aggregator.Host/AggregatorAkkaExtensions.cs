using Aggregator.Actors.Discovery;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Akka;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using k8s;
using Microsoft.Extensions.Logging;

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
            .AddHocon(
                $"akka.coordinated-shutdown.phases.service-requests-done.timeout = {(int)settings.ShutdownGrace.TotalSeconds + 1}s\n" +
                // The scheduler's clock wakes a thread every tick; the aggregator's timers are seconds long.
                "akka.scheduler.tick-duration = 50ms",
                HoconAddMode.Prepend)
            .WithActors((system, registry, resolver) =>
        {
            var materializer = system.Materializer(namePrefix: "pipeline");
            // One pusher per lane: the lanes' requests are in flight together.
            var pushers = Enumerable.Range(0, settings.Pipeline.Lanes)
                .Select(lane => system.ActorOf(
                    LokiPusher.Props(shipper, runtime.Counters, settings.Pipeline.RetryMinimum, settings.Pipeline.RetryMaximum), $"loki-pusher-{lane}"))
                .ToList();
            var pusher = pushers[0];
            var pipeline = LogPipeline.Start(settings.Pipeline, pushers, materializer, runtime.Budget);
            var dependencies = new TailDependencies(
                new KubernetesPodApi((Kubernetes)kubernetes), pipeline.EntrySink, materializer, settings.Tail, runtime.Budget, runtime.Counters,
                settings.ResumeFromLoki ? positions : null);
            var tails = system.ActorOf(ContainerTails.Props(dependencies), "tails");
            var watchers = settings.Namespaces
                .Select(ns => system.ActorOf(PodWatcher.Props(ns, kubernetes, tails, settings.Discovery, runtime.Counters), $"pod-watcher-{ns ?? "all"}"))
                .ToList();

            // Straight to the host's logging: Akka's own log may be shut down before shutdown reports; and resolved
            // now, as the service provider may be gone by then.
            var log = resolver.GetService<ILoggerFactory>().CreateLogger("Aggregator.Shutdown");
            var shutdown = CoordinatedShutdown.Get(system);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-tailing", async () =>
            {
                // Stop reading first, so that what was read can still be flushed while the system is whole.
                await Task.WhenAll(watchers.Select(w => w.GracefulStop(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
                await tails.GracefulStop(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                return Done.Instance;
            });
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "flush-pipeline", async () =>
            {
                pipeline.Complete();
                var flushed = await Task.WhenAny(pipeline.Completion, Task.Delay(settings.ShutdownGrace)).ConfigureAwait(false) == pipeline.Completion;
                if (!flushed || runtime.Counters.EntriesInFlight > 0)
                {
                    ShutdownLog.NotFlushed(log, runtime.Counters.EntriesInFlight, settings.ShutdownGrace.TotalSeconds);
                }
                else
                {
                    ShutdownLog.Flushed(log, runtime.Counters.EntriesShipped + runtime.Counters.EntriesRejected);
                }

                return Done.Instance;
            });

            registry.Register<LokiPusher>(pusher);
            registry.Register<ContainerTails>(tails);
            foreach (var ns in settings.Namespaces.OfType<string>())
            {
                runtime.Counters.KnowNamespace(ns);
            }

            runtime.System = system;
            runtime.Pipeline = pipeline;
            runtime.Tails = tails;
            runtime.Watchers = watchers;
        });
}
