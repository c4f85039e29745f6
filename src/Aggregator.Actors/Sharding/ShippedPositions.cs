using Aggregator.Actors.Tailing;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Util;

namespace Aggregator.Actors.Sharding;

/// <summary>
/// This member's writer of the replicated positions: takes what the pipeline's pushes settled, keeps the newest
/// timestamp per stream, and writes the changes to Distributed Data every <c>flushInterval</c> with a majority
/// write, so that a tail that moves to another member and reads with a majority sees them. Answers
/// <see cref="AwaitShipped"/> for a tail that is handed off. Every <c>pruneInterval</c> it removes the positions of
/// streams whose newest shipped line is older than <c>retention</c>: pods come and go, and the maps would otherwise
/// only grow.
/// </summary>
public sealed class ShippedPositions : ReceiveActor, IWithTimers
{
    /// <summary>
    /// How many replicated maps the positions are spread over. A map travels whole between members at times (a
    /// majority read, a member that joins), in one remoting message of at most 128,000 bytes, and a position takes
    /// about 120 bytes of it: one map would hold a thousand streams at most.
    /// </summary>
    public const int Maps = 64;

    private static readonly LWWDictionaryKey<string, long>[] KeysOfMaps =
        [.. Enumerable.Range(0, Maps).Select(map => new LWWDictionaryKey<string, long>($"shipped-positions-{map}"))];

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(3);

    private readonly IActorRef _replicator;
    private readonly UniqueAddress _self;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, long> _settled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal);
    private readonly List<Waiter> _waiting = [];
    private readonly Dictionary<int, List<Waiter>> _writing = [];
    private readonly TimeSpan _retention;
    private int _writes;

    public ShippedPositions(IActorRef replicator, UniqueAddress self, TimeSpan flushInterval, TimeSpan retention, TimeSpan pruneInterval)
    {
        _replicator = replicator;
        _self = self;
        _retention = retention;
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
        Receive<PruneNow>(_ => Prune());
        Receive<UpdateSuccess>(success => Answer(success.Request, true));
        Receive<IUpdateResponse>(failed =>
        {
            // Not replicated to a majority in time: the entries stay in the local replica and gossip carries them.
            _log.Warning("Writing shipped positions to a majority failed ({0}); gossip will spread them", failed.GetType().Name);
            Answer(failed.Request, false);
        });
        Timers.StartPeriodicTimer(Flush.Instance, Flush.Instance, flushInterval);
        Timers.StartPeriodicTimer(PruneNow.Instance, PruneNow.Instance, pruneInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for the writer on this member. A stream whose newest shipped line is older than <paramref name="retention"/>
    /// loses its position (a tail of it that moves asks Loki instead); every member checks every <paramref name="pruneInterval"/>.
    /// </summary>
    public static Props Props(IActorRef replicator, UniqueAddress self, TimeSpan flushInterval, TimeSpan retention, TimeSpan pruneInterval) =>
        Akka.Actor.Props.Create(() => new ShippedPositions(replicator, self, flushInterval, retention, pruneInterval));

    /// <summary>The replicated map that holds a stream's position, by a hash of its rendered labels that every member computes alike.</summary>
    public static LWWDictionaryKey<string, long> KeyOf(string labels) => KeysOfMaps[(int)((uint)MurmurHash.StringHash(labels) % Maps)];

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

        // One write per map that changed; a handed-off tail waits for the write of its stream's map.
        foreach (var streams in _unwritten.GroupBy(KeyOf))
        {
            var changes = streams.ToDictionary(labels => labels, labels => _settled[labels], StringComparer.Ordinal);
            var write = ++_writes;
            _writing[write] = ready.FindAll(waiter => changes.ContainsKey(waiter.Request.Labels));
            _replicator.Tell(Dsl.Update(streams.Key, LWWDictionary<string, long>.Empty, new WriteMajority(WriteTimeout), write, map => Merge(map, changes)));
        }

        _unwritten.Clear();
    }

    private void Prune()
    {
        var cutoff = KubeletTimestamp.NanosOf(DateTime.UtcNow - _retention);
        foreach (var labels in _settled.Where(settled => settled.Value < cutoff).Select(settled => settled.Key).ToList())
        {
            _settled.Remove(labels);
            _unwritten.Remove(labels);
        }

        // Each member prunes what it sees; a position written meanwhile by another member is newer and stays.
        foreach (var key in KeysOfMaps)
        {
            _replicator.Tell(Dsl.Update(key, LWWDictionary<string, long>.Empty, WriteLocal.Instance, null, map => WithoutOlderThan(map, cutoff)));
        }
    }

    private LWWDictionary<string, long> WithoutOlderThan(LWWDictionary<string, long> map, long cutoffNanos)
    {
        foreach (var labels in map.Entries.Where(entry => entry.Value < cutoffNanos).Select(entry => entry.Key).ToList())
        {
            map = map.Remove(_self, labels);
        }

        return map;
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

    private sealed class PruneNow
    {
        public static readonly PruneNow Instance = new();
    }
}
