using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.Event;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// The tails of this node, addressed by <see cref="TailTarget.TailId"/> rather than by who asked for them, the
/// way a shard region addresses its entities. Starting a tail that runs already does nothing; a tail that
/// crashes is started again with backoff (<see cref="TailRestarts"/>), without touching the others.
/// </summary>
public sealed class ContainerTails : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TailDependencies _dependencies;
    private readonly ShippingCounters _counters;
    private readonly TailRestarts _restarts;
    // What each running tail was started with: a crashed one starts again from it.
    private readonly Dictionary<string, StartTail> _started = new(StringComparer.Ordinal);
    private int _running;

    public ContainerTails(TailDependencies dependencies)
    {
        _dependencies = dependencies;
        _counters = dependencies.Counters;
        _restarts = new TailRestarts(dependencies.Settings);
        Receive<StartTail>(start =>
        {
            if (!Context.Child(start.TailId).IsNobody())
            {
                return;
            }

            _log.Info("Tailing {0}", start.Target);
            Timers.Cancel(start.TailId);
            Start(start);
        });

        Receive<Terminated>(terminated =>
        {
            var tailId = terminated.ActorRef.Path.Name;
            if (_restarts.TakeDelay(tailId) is { } delay && _started.ContainsKey(tailId))
            {
                Timers.StartSingleTimer(tailId, new RestartTail(tailId), delay);
            }
            else if (_started.Remove(tailId, out var finished))
            {
                _counters.TailOfNamespaceEnded(finished.Target.Stream.Namespace);
            }

            _running--;
            _counters.TailsStopped();
        });

        Receive<RestartTail>(restart =>
        {
            if (Context.Child(restart.TailId).IsNobody() && _started.TryGetValue(restart.TailId, out var start))
            {
                _log.Info("Tailing {0} again after its crash", start.Target);
                Start(start);
            }
        });

        Receive<GetTailStates>(_ =>
        {
            var asks = Context.GetChildren()
                .Select(child => child.Ask<TailState>(new GetTailState(child.Path.Name), TimeSpan.FromSeconds(3))
                    .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default))
                .ToList();
            // A crashed tail waiting to start again has no child to ask, but is no less there for an operator.
            var waiting = _started.Values.Where(start => Context.Child(start.TailId).IsNobody()).Select(start => _restarts.Waiting(start.Target)).ToList();
            Task.WhenAll(asks)
                .ContinueWith(
                    t => new TailStates(t.Result.OfType<TailState>().Concat(waiting).OrderBy(s => s.Target.TailId, StringComparer.Ordinal).ToList()),
                    TaskScheduler.Default)
                .PipeTo(Sender);
        });

        Receive<ITailMessage>(message => Context.Child(message.TailId).Forward(message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override SupervisorStrategy SupervisorStrategy() => _restarts.Strategy(_log, tail => tail.Path.Name);

    protected override void PostStop()
    {
        _counters.TailsStopped(_running);
        foreach (var start in _started.Values)
        {
            _counters.TailOfNamespaceEnded(start.Target.Stream.Namespace);
        }
    }

    /// <summary>Props for the registry; every tail it starts shares <paramref name="dependencies"/>.</summary>
    public static Props Props(TailDependencies dependencies) =>
        Akka.Actor.Props.Create(() => new ContainerTails(dependencies));

    private void Start(StartTail start)
    {
        // A crashed tail that starts again holds its namespace still: it never let go.
        if (!_started.ContainsKey(start.TailId))
        {
            _counters.TailOfNamespaceBegan(start.Target.Stream.Namespace);
        }

        _started[start.TailId] = start;
        Context.Watch(Context.ActorOf(ContainerTail.Props(start.Target, start.Pod, _dependencies), start.TailId));
        _restarts.Started(start.TailId);
        _running++;
        _counters.TailStarted();
    }

    private sealed record RestartTail(string TailId);
}
