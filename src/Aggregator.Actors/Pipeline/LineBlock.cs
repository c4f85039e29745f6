using System.Buffers;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The pooled array that one busy read's lines were copied into, and the pooled list of the read's entries, shared
/// by the chunks cut from that read. Both go back to their pools once Loki has settled the last of those chunks, and
/// not before: until then a retry, a 413's halves or the push body may still read the lines.
/// </summary>
/// <remarks>
/// A busy tail's lines live until Loki answers — up to BATCH_TIMEOUT and the push — so on the heap they outlive
/// the young collections, are promoted, and cost the old generation's collections at the rate they are read. A quiet
/// tail's few lines die young at no cost; they stay ordinary arrays (see <see cref="PooledFrom"/>).
/// </remarks>
public sealed class LineBlock
{
    /// <summary>
    /// Reads of fewer bytes than this get an ordinary array: a steady tail's reads are a line or a few, die young and
    /// would hold pooled arrays rounded up to twice their size.
    /// </summary>
    /// <remarks>
    /// Not higher: over HTTP/1.1 a tail reading as fast as it can gets a chunk's first few KiB through the
    /// connection's own buffer and the rest in a read of its own. In a 15,000,000-line benchmark run 80,881 of
    /// 194,225 reads held 2–4 KiB of text; a 4 KiB threshold left those unpooled, and they were half of what the run
    /// allocated (BENCHMARKS.md, session 25). Not lower: at 1,000 containers writing 10 lines/s each, half the reads
    /// are a tail's second of lines at the intake's tick, 1–2 KiB; pooled from 1 KiB, that row's peak was no lower
    /// in four pairs, and its arrays were rounded up.
    /// </remarks>
    public const int PooledFrom = 2 * 1024;

    // Reads are at most the tail's 64 KiB buffer, except for very long lines, whose arrays (over 128 KiB) are not
    // pooled. The memory budget bounds the blocks in use at once (the default 16 MiB is 256 blocks of 64 KiB). Once a
    // burst is over the pool keeps at most 256 arrays of each power-of-two size it lent: 16 MiB of 64 KiB arrays, less
    // of the smaller sizes, where most reads are (2-32 KiB: BENCHMARKS.md, session 25).
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 128 * 1024, maxArraysPerBucket: 256);

    // The entries (32 bytes a line) wait for Loki as long as the text does, and were half of what a catch-up
    // allocated and the survivors that made its collections long (BENCHMARKS.md, session 25). Lists of up to
    // 1,024 entries are kept (a read of 120-byte lines holds about 70), at most as many as the pool keeps arrays of
    // one size: 8 MiB at the very most, a few hundred KiB as a catch-up leaves them.
    private const int LargestKeptList = 1024;
    private const int KeptLists = 256;
    private static readonly Lock ListsGate = new();
    private static readonly Stack<List<LogEntry>> Lists = new();

    private readonly byte[] _array;
    private int _holders;
    private List<LogEntry>? _entries;

    private LineBlock(byte[] array) => _array = array;

    /// <summary>An array of at least <paramref name="bytes"/> bytes, and the block to give it back through (null when not pooled).</summary>
    public static (byte[] Array, LineBlock? Block) Take(int bytes)
    {
        if (bytes < PooledFrom)
        {
            return (bytes == 0 ? [] : new byte[bytes], null);
        }

        var array = Pool.Rent(bytes);
        return (array, new LineBlock(array));
    }

    /// <summary>
    /// A list for the read's entries, empty, with room for <paramref name="capacity"/>; it goes back with the block,
    /// so only the chunk the whole read becomes may keep it (see <see cref="HeldBy"/>).
    /// </summary>
    public List<LogEntry> EntryList(int capacity)
    {
        List<LogEntry>? list = null;
        lock (ListsGate)
        {
            Lists.TryPop(out list);
        }

        list ??= new List<LogEntry>(capacity);
        list.EnsureCapacity(capacity);
        return _entries = list;
    }

    /// <summary>The chunks cut from this block's read hold it from now on, each until it is settled.</summary>
    public void HeldBy(List<LogChunk> chunks)
    {
        if (_entries is { } entries && (chunks.Count != 1 || !ReferenceEquals(chunks[0].Entries, entries)))
        {
            // Cut into several chunks, each with a list of its own: the read's list is done with.
            _entries = null;
            ReturnList(entries);
        }

        _holders = chunks.Count;
        foreach (var chunk in chunks)
        {
            chunk.Block = this;
        }
    }

    /// <summary>None of the read's lines went on (a resumed request's repeats): the array goes back at once.</summary>
    public void Unused() => GiveBack();

    /// <summary>One holder is done with the lines; the last one gives the array back.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _holders);
        if (left == 0)
        {
            GiveBack();
        }
        else if (left < 0)
        {
            // A second return would hand one array to two readers: lines of one would appear in the other's push.
            throw new InvalidOperationException("a line block was released more often than chunks held it");
        }
    }

    /// <summary>True once the array went back to the pool (for tests).</summary>
    internal bool Returned { get; private set; }

    private static void ReturnList(List<LogEntry> entries)
    {
        if (entries.Capacity > LargestKeptList)
        {
            return;
        }

        // Cleared, so that a kept list holds no stream or text alive.
        entries.Clear();
        lock (ListsGate)
        {
            if (Lists.Count < KeptLists)
            {
                Lists.Push(entries);
            }
        }
    }

    private void GiveBack()
    {
        Returned = true;
        if (_entries is { } entries)
        {
            _entries = null;
            ReturnList(entries);
        }

        Pool.Return(_array);
    }
}
