using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;

namespace Aggregator.Actors.Sharding;

/// <summary>
/// This member's writer of the replicated positions: takes what the pipeline's pushes settled, keeps the newest
/// timestamp per stream, and writes the changes to Distributed Data every <c>flushInterval</c> with a majority
/// write, so that a tail that moves to another member and reads with a majority sees them. Answers
/// <see cref="AwaitShipped"/> for a tail that is handed off.
/// </summary>
public sealed class ShippedPositions : ReceiveActor, IWithTimers
{
    /// <summary>The one replicated map: rendered label set to newest settled timestamp (ns).</summary>
    public static readonly LWWDictionaryKey<string, long> Key = new("shipped-positions");

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(3);

    private readonly IActorRef _replicator;
    private readonly UniqueAddress _self;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, long> _settled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal);
    private readonly List<Waiter> _waiting = [];
    private readonly Dictionary<int, List<Waiter>> _writing = [];
    private int _writes;

    public ShippedPositions(IActorRef replicator, UniqueAddress self, TimeSpan flushInterval)
    {
        _replicator = replicator;
        _self = self;
        Receive<StreamsShipped>(shipped =>
        {
            foreach (var (labels, newest) in shipped.Newest)
            {
                if (!_settled.TryGetValue(labels, out var known) || newest > known)
                {
                    _settled[labels] = newest;
                    _unwritten.Add(labels);
                }
            }
        });
        Receive<AwaitShipped>(wait => _waiting.Add(new Waiter(wait, Sender, DateTime.UtcNow + wait.Within)));
        Receive<Flush>(_ => Write());
        Receive<UpdateSuccess>(success => Answer(success.Request, true));
        Receive<IUpdateResponse>(failed =>
        {
            // Not replicated to a majority in time: the entries stay in the local replica and gossip carries them.
            _log.Warning("Writing shipped positions to a majority failed ({0}); gossip will spread them", failed.GetType().Name);
            Answer(failed.Request, false);
        });
        Timers.StartPeriodicTimer(Flush.Instance, Flush.Instance, flushInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the writer on this member.</summary>
    public static Props Props(IActorRef replicator, UniqueAddress self, TimeSpan flushInterval) =>
        Akka.Actor.Props.Create(() => new ShippedPositions(replicator, self, flushInterval));

    private void Write()
    {
        var now = DateTime.UtcNow;
        var ready = new List<Waiter>();
        foreach (var waiter in _waiting.ToList())
        {
            if (_settled.TryGetValue(waiter.Request.Labels, out var settled) && settled >= waiter.Request.TimestampNanos)
            {
                // Written again with a majority even if an earlier write carried it: that one may still be in flight.
                _unwritten.Add(waiter.Request.Labels);
                ready.Add(waiter);
                _waiting.Remove(waiter);
            }
            else if (now >= waiter.Deadline)
            {
                waiter.ReplyTo.Tell(new ShippedUpTo(false));
                _waiting.Remove(waiter);
            }
        }

        if (_unwritten.Count == 0)
        {
            return;
        }

        var changes = _unwritten.ToDictionary(labels => labels, labels => _settled[labels], StringComparer.Ordinal);
        _unwritten.Clear();
        var write = ++_writes;
        _writing[write] = ready;
        _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, long>.Empty, new WriteMajority(WriteTimeout), write, map => Merge(map, changes)));
    }

    private LWWDictionary<string, long> Merge(LWWDictionary<string, long> map, Dictionary<string, long> changes)
    {
        foreach (var (labels, newest) in changes)
        {
            // A position only moves forward, whichever member wrote it last.
            if (!map.TryGetValue(labels, out var known) || newest > known)
            {
                map = map.SetItem(_self, labels, newest);
            }
        }

        return map;
    }

    private void Answer(object? request, bool replicated)
    {
        if (request is int write && _writing.Remove(write, out var waiters))
        {
            waiters.ForEach(w => w.ReplyTo.Tell(new ShippedUpTo(replicated)));
        }
    }

    private sealed record Waiter(AwaitShipped Request, IActorRef ReplyTo, DateTime Deadline);

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
