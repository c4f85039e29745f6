using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// The tails of this node, addressed by <see cref="TailTarget.TailId"/> rather than by who asked for them, the
/// way a shard region addresses its entities. Starting a tail that runs already does nothing; a tail that
/// crashes is restarted with backoff, without touching the others.
/// </summary>
public sealed class ContainerTails : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ShippingCounters _counters;
    private int _running;

    public ContainerTails(TailDependencies dependencies)
    {
        _counters = dependencies.Counters;
        Receive<StartTail>(start =>
        {
            if (!Context.Child(start.TailId).IsNobody())
            {
                return;
            }

            _log.Info("Tailing {0}", start.Target);
            var tail = ContainerTail.Props(start.Target, start.Pod, dependencies);
            // Expected faults are handled inside the tail; this restarts it after a bug, backing off.
            Context.Watch(Context.ActorOf(
                BackoffSupervisor.Props(Backoff.OnFailure(tail, "tail", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.2, -1)),
                start.TailId));
            _counters.TailsRunning(++_running);
        });

        // A tail's supervisor stops with the tail once it has finished.
        Receive<Terminated>(_ => _counters.TailsRunning(--_running));

        Receive<GetTailStates>(_ =>
        {
            var asks = Context.GetChildren()
                .Select(child => child.Ask<TailState>(new GetTailState(child.Path.Name), TimeSpan.FromSeconds(3))
                    .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default))
                .ToList();
            Task.WhenAll(asks)
                .ContinueWith(t => new TailStates(t.Result.OfType<TailState>().OrderBy(s => s.Target.TailId, StringComparer.Ordinal).ToList()), TaskScheduler.Default)
                .PipeTo(Sender);
        });

        Receive<ITailMessage>(message => Context.Child(message.TailId).Forward(message));
    }

    protected override void PostStop() => _counters.TailsRunning(0);

    /// <summary>Props for the registry; every tail it starts shares <paramref name="dependencies"/>.</summary>
    public static Props Props(TailDependencies dependencies) =>
        Akka.Actor.Props.Create(() => new ContainerTails(dependencies));
}
