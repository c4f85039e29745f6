namespace Aggregator.Actors.Loki;

/// <summary>
/// The lanes' batches waiting for a pusher, and which of them travel together in the next push request.
/// </summary>
/// <remarks>
/// At a trickle every lane's batch closes at its BATCH_TIMEOUT, all lanes in the same scheduler tick: with sixteen
/// lanes, sixteen requests of a few lines each a second, every one encoded, sent, answered and woken for — more of
/// the aggregator's CPU at a trickle than anything else it does (BENCHMARKS.md), and sixteen times the requests a
/// Loki must take. So a small batch waits while another request is in flight and then goes with whatever else waits
/// in one request. A batch half full or more goes at once, as does anything when nothing is in flight or once it has
/// been held long enough, so that at full speed every pusher stays busy and a request stuck in retries holds no one
/// back for long.
/// </remarks>
/// <typeparam name="TLane">Who waits for a batch's answer.</typeparam>
public sealed class PushQueue<TLane>
{
    private readonly int _batchSize;
    private readonly long _maxBytes;
    private readonly List<Waiting> _waiting = [];

    /// <summary>A queue whose requests carry at most <paramref name="batchSize"/> lines and <paramref name="maxBytes"/> of weight.</summary>
    public PushQueue(int batchSize, long maxBytes)
    {
        _batchSize = batchSize;
        _maxBytes = maxBytes;
    }

    /// <summary>Batches waiting.</summary>
    public int Count => _waiting.Count;

    /// <summary>Queues <paramref name="batch"/>, whose answer goes to <paramref name="lane"/>.</summary>
    public void Add(PushBatch batch, TLane lane) => _waiting.Add(new Waiting(batch, lane));

    /// <summary>
    /// The next request, if it should go now: the oldest waiting batch and every later one that still fits beside it.
    /// It goes when nothing is in flight, when <paramref name="heldLongEnough"/>, when it is at least half full, or
    /// when more waits than it can carry; otherwise it waits for an answer to come back (null).
    /// </summary>
    public PushRequest? TryTake(bool anyInFlight, bool heldLongEnough)
    {
        if (_waiting.Count == 0)
        {
            return null;
        }

        var members = new List<Waiting> { _waiting[0] };
        long lines = _waiting[0].Batch.Count;
        var weight = _waiting[0].Batch.Weight;
        var leftOver = false;
        for (var i = 1; i < _waiting.Count; i++)
        {
            var next = _waiting[i].Batch;
            if (lines + next.Count <= _batchSize && weight + next.Weight <= _maxBytes)
            {
                members.Add(_waiting[i]);
                lines += next.Count;
                weight += next.Weight;
            }
            else
            {
                leftOver = true;
            }
        }

        var halfFull = 2 * lines >= _batchSize || 2 * weight >= _maxBytes;
        if (anyInFlight && !heldLongEnough && !halfFull && !leftOver)
        {
            return null;
        }

        _waiting.RemoveAll(members.Contains);
        var batch = members.Count == 1 ? members[0].Batch : new PushBatch(members.SelectMany(m => m.Batch.Chunks));
        return new PushRequest(batch, members);
    }

    /// <summary>A batch waiting, and who waits for its answer.</summary>
    public sealed record Waiting(PushBatch Batch, TLane Lane);

    /// <summary>One push request: <paramref name="Batch"/> carries the chunks of every member's batch.</summary>
    public sealed record PushRequest(PushBatch Batch, IReadOnlyList<Waiting> Members);
}
