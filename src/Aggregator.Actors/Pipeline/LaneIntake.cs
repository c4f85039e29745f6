using System.Threading.Channels;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The pipeline's intake: one writer in front of a channel per lane, which sends each chunk to its stream's lane, so
/// that a stream's chunks stay in their read order.
/// </summary>
public sealed class LaneIntake : ChannelWriter<LogChunk>
{
    private readonly Channel<LogChunk>[] _lanes;

    /// <summary>An intake of <paramref name="lanes"/> lanes.</summary>
    public LaneIntake(int lanes)
    {
        // A lane's graph wakes on the writing tail's thread: the wake-up only posts a message to the graph's actor,
        // and a hop through the thread pool for it would cost a thread wake-up per read at a trickle.
        _lanes = Enumerable.Range(0, lanes)
            .Select(_ => Channel.CreateUnbounded<LogChunk>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true }))
            .ToArray();
        Lanes = _lanes.Select(lane => lane.Reader).ToArray();
    }

    /// <summary>What each lane's graph reads.</summary>
    public IReadOnlyList<ChannelReader<LogChunk>> Lanes { get; }

    /// <summary>The lane of a stream: the same for every chunk of it.</summary>
    public static int LaneOf(LogChunk chunk, int lanes) => chunk.Stream.LabelsHash % lanes;

    public override bool TryWrite(LogChunk item) => _lanes[LaneOf(item, _lanes.Length)].Writer.TryWrite(item);

    // Unbounded: a write waits for nothing; false once the intake is complete.
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
        _lanes[0].Writer.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null)
    {
        var completed = false;
        foreach (var lane in _lanes)
        {
            completed |= lane.Writer.TryComplete(error);
        }

        return completed;
    }
}
