namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The batch a lane is filling: chunks in the order they came, until they make a whole batch (BATCH_SIZE lines or
/// the byte limit) or the intake's BATCH_TIMEOUT tick takes them as they are. Not thread-safe: its lane locks around it.
/// </summary>
/// <remarks>
/// A batch is one weight that carries both size limits: it is <c>batchSize × maxBytes</c>, and a chunk costs
/// <see cref="LogChunk.Cost"/>. A chunk that would take a batch past it closes that batch and starts the next; a chunk
/// heavier than a whole batch goes alone.
/// </remarks>
public sealed class PendingBatch
{
    private readonly int _batchSize;
    private readonly long _maxBytes;
    private readonly long _capacity;
    private List<LogChunk> _chunks = [];
    private long _cost;

    /// <summary>A batch of at most <paramref name="batchSize"/> lines and <paramref name="maxBytes"/>.</summary>
    public PendingBatch(int batchSize, long maxBytes)
    {
        _batchSize = batchSize;
        _maxBytes = maxBytes;
        _capacity = batchSize * maxBytes;
    }

    /// <summary>Whether no chunk waits.</summary>
    public bool IsEmpty => _chunks.Count == 0;

    /// <summary>Whether the chunks make a whole batch.</summary>
    public bool IsFull => _cost >= _capacity;

    /// <summary>Adds a chunk. Returns the batch that it closed by not fitting, if it did; the chunk then starts the next one.</summary>
    public List<LogChunk>? Add(LogChunk chunk)
    {
        var cost = chunk.Cost(_batchSize, _maxBytes);
        var closed = !IsEmpty && _cost + cost > _capacity ? Take() : null;
        _chunks.Add(chunk);
        _cost += cost;
        return closed;
    }

    /// <summary>Takes the chunks, in the order they came, and starts an empty batch.</summary>
    public List<LogChunk> Take()
    {
        var chunks = _chunks;
        _chunks = [];
        _cost = 0;
        return chunks;
    }
}
