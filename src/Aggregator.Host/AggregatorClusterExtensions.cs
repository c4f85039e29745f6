using Aggregator.Actors.Discovery;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Aggregator.Host.Operations;
using Akka;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.DistributedData;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;
using Akka.Remote.Hosting;
using Akka.Serialization;
using k8s;

namespace Aggregator.Host;

/// <summary>
/// The cluster mode's wiring: the member joins an Akka.NET cluster, its tails are entities of the "tails" shard
/// region, and the positions Loki acknowledged are replicated so that a tail that moves resumes after them.
/// </summary>
public static class AggregatorClusterExtensions
{
    /// <summary>The shard region's type name, the same on every member.</summary>
    public const string TailsRegion = "tails";

    /// <summary>The serializer of the messages that cross between members to and from tails (an actor system setup).</summary>
    public static Setup TailProtocolSerialization() =>
        SerializationSetup.Create(system =>
            [SerializerDetails.Create("tail-protocol", new TailProtocolSerializer(system), [typeof(StartTail), typeof(GetTailState), typeof(ResumeTail), typeof(StopTailing), typeof(TailState)])]);

    /// <summary>
    /// Joins the cluster of <paramref name="cluster"/>'s seeds, starts this member's pusher, pipeline and
    /// positions writer, the tails' shard region, and one pod watcher per namespace that announces container
    /// instances to the region.
    /// </summary>
    public static AkkaConfigurationBuilder WithShardedLogAggregator(
        this AkkaConfigurationBuilder builder, AggregatorSettings settings, ClusterSettings cluster, IKubernetes kubernetes, ILogShipper shipper,
        IStreamPositions? positions, AggregatorRuntime runtime)
    {
        TailEntityDependencies? entities = null;
        var grace = ShippingPipeline.GraceSeconds(settings);
        var configured = builder
            .WithShippingSettings(
                settings,
                $"akka.coordinated-shutdown.phases.service-unbind.timeout = {grace}s",
                // A shard region shutting down gives up a second before this phase's timeout (10 s by default), even
                // when it was stopped in an earlier phase, as the tails' hand-off is: its tails waiting for Loki were
                // then stopped without waking their next owner, and an exited instance's drain was not resumed.
                $"akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = {grace}s",
                $"akka.cluster.split-brain-resolver.stable-after = {cluster.StableAfter.TotalMilliseconds:0}ms",
                // A handed-off tail waits for Loki's acknowledgement; the hand-off must allow for it.
                $"akka.cluster.sharding.handoff-timeout = {(cluster.HandOffFlush + TimeSpan.FromSeconds(10)).TotalSeconds:0}s",
                // Tails are not remembered entities (the watchers announce them again), so nothing needs LMDB.
                "akka.cluster.sharding.distributed-data.durable.keys = []");
        if (cluster.Bootstrap is { } bootstrap)
        {
            // No seeds: the members find each other through the Kubernetes API and Akka.Management's contact points.
            configured = configured.AddHocon(BootstrapHocon(cluster, bootstrap), HoconAddMode.Prepend);
        }

        return configured
            .WithRemoting(new RemoteOptions { HostName = cluster.BindHostname, PublicHostName = cluster.Hostname, Port = cluster.Port })
            .WithClustering(new ClusterOptions
            {
                Roles = [AdminReports.Role],
                SeedNodes = [.. cluster.Seeds],
                // A Deployment of 3: the side with 2 members keeps running, the lone member downs itself, so no
                // container is tailed by both sides of a partition for longer than stable-after.
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithActors((system, registry, resolver) =>
            {
                var replicator = DistributedData.Get(system).Replicator;
                var written = system.ActorOf(
                    ShippedPositions.Props(
                        replicator, Cluster.Get(system).SelfUniqueAddress, cluster.PositionsFlush, cluster.PositionsRetention, TimeSpan.FromMinutes(10)),
                    "shipped-positions");
                var (pipeline, dispatcher) = ShippingPipeline.Start(system, settings, shipper, runtime, batch => written.Tell(StreamsShipped.From(batch)));
                var dependencies = new TailDependencies(
                    new KubernetesPodApi((Kubernetes)kubernetes, settings.Kubernetes.DisableHttp2), pipeline.Intake, settings.Tail, runtime.Budget, runtime.Counters,
                    new ReplicatedStreamPositions(replicator, settings.ResumeFromLoki ? positions : null), pipeline.Pacer);
                entities = new TailEntityDependencies(dependencies, settings.Discovery, written, cluster.HandOffFlush);
                registry.Register<PushDispatcher>(dispatcher);
                registry.Register<ShippedPositions>(written);
                ShippingPipeline.AddFlushTask(system, resolver, pipeline, settings, runtime);
            })
            .WithShardRegion<TailEntity>(
                TailsRegion,
                (_, registry, _) =>
                {
                    var withRegion = (entities ?? throw new InvalidOperationException("The tails' dependencies start before the region"))
                        with { Region = () => registry.Get<TailEntity>() };
                    return tailId => TailEntity.Props(tailId, withRegion);
                },
                new TailMessageExtractor(cluster.Shards),
                new ShardOptions
                {
                    Role = AdminReports.Role,
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    HandOffStopMessage = StopTailing.Instance,
                })
            .WithActors((system, registry, _) =>
            {
                var region = registry.Get<TailEntity>();
                var watchers = settings.Namespaces
                    .Select(ns => system.ActorOf(
                        PodWatcher.Props(ns, kubernetes, region, settings.Discovery, runtime.Counters, cluster.Reannounce), $"pod-watcher-{ns ?? "all"}"))
                    .ToList();
                var shutdown = CoordinatedShutdown.Get(system);
                shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "hand-off-tails", async () =>
                {
                    // Stop announcing, then hand this member's shards to the others while the pipeline still runs:
                    // each tail stops reading and waits for Loki's acknowledgement of what it read.
                    await Task.WhenAll(watchers.Select(w => w.GracefulStop(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
                    try
                    {
                        await region.GracefulStop(settings.ShutdownGrace, GracefulShutdown.Instance).ConfigureAwait(false);
                    }
                    catch (TaskCanceledException)
                    {
                        // Out of time: what the tails read and Loki did not acknowledge is read again by their next owner.
                    }

                    return Done.Instance;
                });
                ShippingPipeline.KnowNamespaces(settings, runtime);
                runtime.Watchers = watchers;
            });
    }

    /// <summary>
    /// The Akka.Management and Kubernetes API discovery settings of cluster bootstrap: the management endpoint on
    /// this member's address, and the other members found as the pods matching the selector in this pod's namespace,
    /// each probed on its port named "management".
    /// </summary>
    /// <remarks>
    /// The extension is named in <c>akka.extensions</c>, where it starts Akka.Management's HTTP endpoint and the
    /// bootstrap with the system. Akka.Hosting's <c>WithExtensions</c> would be lost: it becomes configuration only in
    /// Akka.Hosting's own actor system factory, which <see cref="AggregatorActorSystem"/> replaces.
    /// </remarks>
    public static string BootstrapHocon(ClusterSettings cluster, KubernetesBootstrap bootstrap) => string.Join('\n', [
        $"akka.extensions = [\"{typeof(ClusterBootstrapProvider).FullName}, {typeof(ClusterBootstrapProvider).Assembly.GetName().Name}\"]",
        "akka.discovery.method = kubernetes-api",
        $"akka.discovery.kubernetes-api.pod-label-selector = \"{bootstrap.Selector}\"",
        $"akka.management.http.hostname = \"{cluster.Hostname}\"",
        $"akka.management.http.port = {bootstrap.ManagementPort}",
        "akka.management.http.bind-hostname = \"0.0.0.0\"",
        $"akka.management.http.bind-port = {bootstrap.ManagementPort}",
        "akka.management.cluster.bootstrap.contact-point-discovery.discovery-method = akka.discovery",
        "akka.management.cluster.bootstrap.contact-point-discovery.service-name = \"log-aggregator\"",
        "akka.management.cluster.bootstrap.contact-point-discovery.port-name = \"management\"",
        $"akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = {bootstrap.RequiredContactPoints}",
    ]);
}
