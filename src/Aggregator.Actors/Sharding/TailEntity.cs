using Aggregator.Actors.Tailing;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using k8s.Models;

namespace Aggregator.Actors.Sharding;

/// <summary>
/// A container instance's tail as a sharding entity: runs the <see cref="ContainerTail"/> on whichever member
/// the shard lives, ignores further <see cref="StartTail"/>s, passivates once the tail has finished, and on a
/// hand-off stops reading and waits for Loki's acknowledgement of what was read before it stops.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability", "CA2213:Disposable fields should be disposed", Justification = "Disposed in PostStop, the actor's end of life.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in PostStop, the actor's end of life.")]
public sealed class TailEntity : ReceiveActor, IWithTimers
{
    private readonly string _tailId;
    private readonly TailEntityDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TailRestarts _restarts;
    private IActorRef _tail = ActorRefs.Nobody;
    private TailTarget? _target;
    private V1Pod? _pod;
    private bool _tailRunning;

    public TailEntity(string tailId, TailEntityDependencies dependencies)
    {
        _tailId = tailId;
        _dependencies = dependencies;
        _restarts = new TailRestarts(dependencies.Tail.Settings);
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the entity <paramref name="tailId"/> on this member.</summary>
    public static Props Props(string tailId, TailEntityDependencies dependencies) =>
        Akka.Actor.Props.Create(() => new TailEntity(tailId, dependencies));

    protected override SupervisorStrategy SupervisorStrategy() => _restarts.Strategy(_log, _ => _tailId);

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        if (_tailRunning)
        {
            _dependencies.Tail.Counters.TailsStopped();
        }

        // Held from the start to the end of this incarnation, crashes and waits to start again included.
        if (_target is not null)
        {
            _dependencies.Tail.Counters.TailOfNamespaceEnded(_target.Stream.Namespace);
        }
    }

    private void Starting()
    {
        var asked = false;
        Receive<StartTail>(start => Begin(start.Target, start.Pod));
        Receive<StopTailing>(_ =>
        {
            if (asked)
            {
                // Woken after one hand-off and handed off again before it read its pod: it must wake at the next home too.
                StopForHandOff();
                return;
            }

            Context.Stop(Self);
        });
        Receive<PodRead>(read =>
        {
            if (TailIdentity.Find(_tailId, read.Pod, _dependencies.Discovery) is { } target && TailDecision.Next(read.Pod, target) != TailStep.Stop)
            {
                Begin(target, read.Pod!);
                return;
            }

            Passivate();
        });
        Receive<ResumeTail>(_ =>
        {
            // Woken after a hand-off: the pod says what is left to tail.
            if (asked)
            {
                return;
            }

            asked = true;
            if (TailIdentity.PodOf(_tailId) is not var (ns, pod))
            {
                Passivate();
                return;
            }

            _dependencies.Tail.Api.ReadPodAsync(ns, pod, _stopping.Token)
                .PipeTo(Self, success: p => new PodRead(p), failure: _ => new PodRead(null));
        });
        Receive<GetTailState>(_ =>
        {
            // An inspection reached an entity that had passivated (the region started it to deliver the question):
            // it has nothing to tell, and must not start reading a finished instance's log again.
            if (!asked)
            {
                Passivate();
            }
        });
    }

    private void Begin(TailTarget target, V1Pod pod)
    {
        _target = target;
        _dependencies.Tail.Counters.TailOfNamespaceBegan(target.Stream.Namespace);
        _pod = pod;
        _log.Info("Tailing {0}", target);
        StartTail();
        Become(Running);
    }

    private void StartTail()
    {
        // Expected faults are handled inside the tail; after a bug it is started again, backing off (TailRestarts).
        _tail = Context.Watch(Context.ActorOf(ContainerTail.Props(_target!, _pod!, _dependencies.Tail), "tail"));
        _restarts.Started(_tailId);
        _tailRunning = true;
        _dependencies.Tail.Counters.TailStarted();
    }

    private void Running()
    {
        Receive<StartTail>(_ => { });
        Receive<GetTailState>(get =>
        {
            if (_tailRunning)
            {
                _tail.Forward(get);
                return;
            }

            // Crashed and waiting to start again: its tail is gone, the crash is what there is to tell.
            Sender.Tell(_restarts.Waiting(_target!));
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_tail), _ =>
        {
            _tailRunning = false;
            _dependencies.Tail.Counters.TailsStopped();
            if (_restarts.TakeDelay(_tailId) is { } delay)
            {
                Timers.StartSingleTimer(RestartTail.Instance, RestartTail.Instance, delay);
                return;
            }

            // The tail finished its instance's log: no member needs to run it again.
            Passivate();
        });
        Receive<RestartTail>(_ =>
        {
            _log.Info("Tailing {0} again after its crash", _target!);
            StartTail();
        });
        Receive<StopTailing>(_ => HandOff());
    }

    private void HandOff()
    {
        if (!_tailRunning)
        {
            // Crashed and waiting to start again: nothing read is left to wait for; the next owner resumes from Loki.
            StopForHandOff();
            return;
        }

        var self = Self;
        Become(HandingOff);
        // Ask how far it read, then stop it reading; what it read is in the pipeline, which pushes it and records the acks.
        _tail.Ask<TailState>(new GetTailState(_tailId), TimeSpan.FromSeconds(2))
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.LastTimestampNanos : 0L, TaskScheduler.Default)
            .PipeTo(self, success: newest => new ReadUpTo(newest));
    }

    private void HandingOff()
    {
        Receive<ReadUpTo>(read =>
        {
            Context.Unwatch(_tail);
            Context.Stop(_tail);
            if (read.Newest <= 0)
            {
                StopForHandOff();
                return;
            }

            _dependencies.Positions.Ask<ShippedUpTo>(new AwaitShipped(_target!.Labels.Rendered, read.Newest, _dependencies.HandOffFlush), _dependencies.HandOffFlush + TimeSpan.FromSeconds(5))
                .PipeTo(Self, success: shipped => shipped, failure: _ => new ShippedUpTo(false));
        });
        Receive<ShippedUpTo>(shipped =>
        {
            if (!shipped.Reached)
            {
                // The next owner resumes from the last acknowledged line instead; Loki drops what it sends twice.
                _log.Warning("{0}: handed off before Loki acknowledged everything it read", _target!);
            }

            StopForHandOff();
        });
        Receive<Terminated>(_ => { });
        ReceiveAny(_ => { });
    }

    /// <summary>Stops for a hand-off, and wakes the tail at the shard's next home: its instance's log is not read to its end yet.</summary>
    private void StopForHandOff()
    {
        // The watchers announce only running instances again, so an exited one whose drain was handed off would be
        // left unread. The region holds the message until the shard has its next home, where the entity, started by
        // a ResumeTail, reads the pod and decides from it as it is then.
        _dependencies.Region?.Invoke().Tell(new ResumeTail(_tailId), ActorRefs.NoSender);
        Context.Stop(Self);
    }

    private void Passivate()
    {
        Become(() => ReceiveAny(message =>
        {
            switch (message)
            {
                case StopTailing:
                    Context.Stop(Self);
                    break;
                case Tailing.StartTail or ResumeTail:
                    // Reached this incarnation before the shard knew it was passivating: the shard holds what it is
                    // sent now until the stop, then starts the entity again to deliver it.
                    _dependencies.Region?.Invoke().Tell(message, Sender);
                    break;
            }
        }));
        Context.Parent.Tell(new Passivate(StopTailing.Instance));
    }

    private sealed record PodRead(V1Pod? Pod);

    private sealed record ReadUpTo(long Newest);

    private sealed class RestartTail
    {
        public static readonly RestartTail Instance = new();
    }
}
