using System.Threading.Channels;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The pipeline's intake: sends each chunk to its stream's lane, so that a stream's chunks stay in their read order,
/// and forms each lane's batches there. A batch goes on to its lane's graph once it is whole, and every BATCH_TIMEOUT
/// one tick sends every lane's partial batch on, so no line waits longer than that for its batch to fill. Quiet
/// tails read at the same tick (<see cref="Pacer"/>), just before it.
/// </summary>
/// <remarks>
/// Batches form here rather than in the lanes' graphs so that a trickle does not wake a graph for every line. With
/// socket completions inline (<c>ImageEnvironment</c>), a line read at a trickle then costs no thread-pool wake-up at
/// all: the socket thread reads it, and it waits here for the tick. One tick for all lanes also sends their partial
/// batches at the same moment, so that the dispatcher carries them in few requests.
/// </remarks>
public sealed class LaneIntake : ChannelWriter<LogChunk>, IDisposable
{
    private readonly Lane[] _lanes;
    private readonly Timer _tick;

    /// <summary>An intake of <see cref="PipelineSettings.Lanes"/> lanes, forming batches by the settings' limits.</summary>
    public LaneIntake(PipelineSettings settings)
    {
        _lanes = Enumerable.Range(0, Math.Max(1, settings.Lanes)).Select(_ => new Lane(settings)).ToArray();
        Lanes = _lanes.Select(lane => lane.Ready.Reader).ToArray();
        // A timer's period counts whole milliseconds, and a period of 0 would tick only once.
        var period = TimeSpan.FromMilliseconds(Math.Max(1, Math.Floor(settings.BatchTimeout.TotalMilliseconds)));
        _tick = new Timer(static intake => ((LaneIntake)intake!).Tick(), this, period, period);
    }

    /// <summary>Where quiet tails wait for the tick, whose batches then carry what they read.</summary>
    public ReadPacer Pacer { get; } = new();

    /// <summary>What each lane's graph reads: its batches, whole or partial, in the order they formed.</summary>
    public IReadOnlyList<ChannelReader<IReadOnlyList<LogChunk>>> Lanes { get; }

    /// <summary>The lane of a stream: the same for every chunk of it.</summary>
    public static int LaneOf(LogChunk chunk, int lanes) => chunk.Stream.LabelsHash % lanes;

    public override bool TryWrite(LogChunk item) => _lanes[LaneOf(item, _lanes.Length)].TryAdd(item);

    // Unbounded: a write waits for nothing; false once the intake is complete.
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
        _lanes[0].Ready.Writer.WaitToWriteAsync(cancellationToken);

    /// <summary>Stops the tick (the tails waiting for it read at once), sends every lane's partial batch on and completes the lanes; later writes fail.</summary>
    public override bool TryComplete(Exception? error = null)
    {
        StopTicking();
        var completed = false;
        foreach (var lane in _lanes)
        {
            completed |= lane.Complete(error);
        }

        return completed;
    }

    /// <summary>Stops the tick (the tails waiting for it read at once), for an intake whose graphs are gone without its having been completed.</summary>
    public void Dispose() => StopTicking();

    /// <summary>What the timer does every BATCH_TIMEOUT (tests call it directly).</summary>
    internal void Tick()
    {
        // The quiet tails first: what they read goes in the partial batches sent now.
        Pacer.Tick();
        foreach (var lane in _lanes)
        {
            lane.SendPartialBatch();
        }
    }

    private void StopTicking()
    {
        _tick.Dispose();
        Pacer.Stop();
    }

    /// <summary>One lane: the batch it is filling, and the batches ready for its graph.</summary>
    private sealed class Lane(PipelineSettings settings)
    {
        private readonly PendingBatch _pending = new(settings.BatchSize, settings.BatchMaxBytes);
        private bool _completed;

        // Written under the lane's lock, so batches enter in the order they formed. The graph wakes on the writer's
        // thread: the wake-up only posts a message to the graph's actor.
        public Channel<IReadOnlyList<LogChunk>> Ready { get; } = Channel.CreateUnbounded<IReadOnlyList<LogChunk>>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

        public bool TryAdd(LogChunk chunk)
        {
            lock (_pending)
            {
                if (_completed)
                {
                    return false;
                }

                if (_pending.Add(chunk) is { } closed)
                {
                    Ready.Writer.TryWrite(closed);
                }

                if (_pending.IsFull)
                {
                    Ready.Writer.TryWrite(_pending.Take());
                }

                return true;
            }
        }

        public void SendPartialBatch()
        {
            lock (_pending)
            {
                if (!_pending.IsEmpty)
                {
                    Ready.Writer.TryWrite(_pending.Take());
                }
            }
        }

        public bool Complete(Exception? error)
        {
            lock (_pending)
            {
                if (_completed)
                {
                    return false;
                }

                _completed = true;
                SendPartialBatch();
                return Ready.Writer.TryComplete(error);
            }
        }
    }
}
