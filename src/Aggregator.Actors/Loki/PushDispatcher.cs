using Aggregator.Actors.Pipeline;
using Akka.Actor;

namespace Aggregator.Actors.Loki;

/// <summary>
/// Takes the lanes' batches and hands them to its pushers, small batches of several lanes together in one request
/// (see <see cref="PushQueue{TLane}"/>), and answers each lane once the request carrying its batch is settled.
/// </summary>
/// <remarks>
/// A lane sends its next batch only once its last is answered, so a stream's batches still reach Loki one after the
/// other, whichever pusher carries them.
/// </remarks>
public sealed class PushDispatcher : ReceiveActor, IWithTimers
{
    private readonly PushQueue<IActorRef> _queue;
    private readonly TimeSpan _longestHold;
    private readonly Stack<IActorRef> _idle = new();
    private readonly Dictionary<IActorRef, IReadOnlyList<PushQueue<IActorRef>.Waiting>> _inFlight = [];

    public PushDispatcher(Props pusher, int pushers, int batchSize, long maxBytes, TimeSpan longestHold)
    {
        _queue = new PushQueue<IActorRef>(batchSize, maxBytes);
        _longestHold = longestHold;
        for (var i = pushers - 1; i >= 0; i--)
        {
            _idle.Push(Context.ActorOf(pusher, $"pusher-{i}"));
        }

        Receive<PushRequested>(push =>
        {
            _queue.Add(push.Batch, Sender);
            Dispatch(heldLongEnough: false);
        });
        Receive<PushCompleted>(Settled);
        Receive<HoldOver>(_ => Dispatch(heldLongEnough: true));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for a dispatcher over <paramref name="pushers"/> pushers made from <paramref name="pusher"/>, its requests
    /// within the batch limits of <paramref name="settings"/>. A small batch is held for at most a tenth of
    /// BATCH_TIMEOUT while another request is in flight.
    /// </summary>
    public static Props Props(Props pusher, int pushers, PipelineSettings settings) =>
        Akka.Actor.Props.Create(() => new PushDispatcher(
            pusher, Math.Max(1, pushers), settings.BatchSize, settings.BatchMaxBytes, settings.BatchTimeout / 10));

    private void Settled(PushCompleted completed)
    {
        if (!_inFlight.Remove(Sender, out var members))
        {
            return;
        }

        foreach (var member in members)
        {
            member.Lane.Tell(new PushCompleted(member.Batch.Count, completed.Result));
        }

        _idle.Push(Sender);
        Dispatch(heldLongEnough: false);
    }

    private void Dispatch(bool heldLongEnough)
    {
        while (_idle.Count > 0 && _queue.TryTake(_inFlight.Count > 0, heldLongEnough) is { } request)
        {
            var pusher = _idle.Pop();
            _inFlight[pusher] = request.Members;
            pusher.Tell(new PushRequested(request.Batch));
        }

        // Held only while a pusher is free and another request is in flight: its answer, or the timer, sends them.
        if (_queue.Count == 0 || _idle.Count == 0)
        {
            Timers.Cancel(HoldOver.Instance);
        }
        else if (!Timers.IsTimerActive(HoldOver.Instance))
        {
            Timers.StartSingleTimer(HoldOver.Instance, HoldOver.Instance, _longestHold);
        }
    }

    private sealed class HoldOver
    {
        public static readonly HoldOver Instance = new();
    }
}
