using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.Logging;

namespace Aggregator.Host;

/// <summary>
/// What both modes share between reading and Loki: the pushers, the stream graph, the shutdown settings, and the
/// shutdown task that flushes the graph; a mode adds its tails and watchers around it.
/// </summary>
internal static class ShippingPipeline
{
    /// <summary>The shutdown and scheduler settings of both modes, plus <paramref name="more"/> lines of the mode's own.</summary>
    public static AkkaConfigurationBuilder WithShippingSettings(this AkkaConfigurationBuilder builder, AggregatorSettings settings, params string[] more) =>
        builder.AddHocon(
            string.Join('\n', [
                $"akka.coordinated-shutdown.phases.service-requests-done.timeout = {GraceSeconds(settings)}s",
                // Timers wake the process when they are due, not on every tick of a wheel (TimerQueueScheduler).
                TimerQueueScheduler.Hocon,
                .. more]),
            HoconAddMode.Prepend);

    /// <summary>Seconds a shutdown phase that flushes may take: the grace, and a second for the phase itself.</summary>
    public static int GraceSeconds(AggregatorSettings settings) => (int)settings.ShutdownGrace.TotalSeconds + 1;

    /// <summary>
    /// Starts the dispatcher with one pusher per lane and the stream graph feeding it; <paramref name="settled"/>
    /// hears of every batch Loki has settled. The pipeline is recorded in <paramref name="runtime"/>.
    /// </summary>
    public static (LogPipeline Pipeline, IActorRef Dispatcher) Start(
        ActorSystem system, AggregatorSettings settings, ILogShipper shipper, AggregatorRuntime runtime, Action<PushBatch>? settled = null)
    {
        var materializer = system.Materializer(namePrefix: "pipeline");
        // One pusher per lane: at full speed every lane's request is in flight together.
        var pusher = LokiPusher.Props(shipper, runtime.Counters, settings.Pipeline.RetryMinimum, settings.Pipeline.RetryMaximum);
        var dispatcher = system.ActorOf(PushDispatcher.Props(pusher, settings.Pipeline.Lanes, settings.Pipeline), "loki-push");
        var pipeline = LogPipeline.Start(settings.Pipeline, dispatcher, materializer, runtime.Budget, settled, runtime.Counters.Lag);
        runtime.System = system;
        runtime.Pipeline = pipeline;
        return (pipeline, dispatcher);
    }

    /// <summary>
    /// Adds the shutdown task that completes the graph once reading has stopped, waits for Loki's answers within the
    /// grace, and reports whether everything was flushed. The log is resolved now, as the service provider may be
    /// gone by then; and it is the host's, as Akka's own log may be shut down before shutdown reports.
    /// </summary>
    public static void AddFlushTask(ActorSystem system, IDependencyResolver resolver, LogPipeline pipeline, AggregatorSettings settings, AggregatorRuntime runtime)
    {
        var log = resolver.GetService<ILoggerFactory>().CreateLogger("Aggregator.Shutdown");
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "flush-pipeline", async () =>
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
    }

    /// <summary>Makes the watched namespaces known to the metrics, so that each has its series from the start.</summary>
    public static void KnowNamespaces(AggregatorSettings settings, AggregatorRuntime runtime)
    {
        foreach (var ns in settings.Namespaces.OfType<string>())
        {
            runtime.Counters.KnowNamespace(ns);
        }
    }
}
