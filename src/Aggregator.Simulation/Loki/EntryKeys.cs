using System.Collections;

namespace Aggregator.Simulation.Loki;

/// <summary>
/// One stream's entry keys (timestamp, line hash) in arrival order: past the first 8,192, in fixed chunks of that many
/// (128 KiB each, allocated in the large object heap and never copied).
/// </summary>
/// <remarks>
/// A list that doubles copies every key at each growth and has touched twice the memory it ends with; in a benchmark
/// of millions of lines the kernel's zeroing of those fresh pages was a sixth of this double's process (BENCHMARKS.md).
/// </remarks>
internal sealed class EntryKeys : IEnumerable<(long Timestamp, ulong Hash)>
{
    private const int ChunkShift = 13;
    private const int ChunkLength = 1 << ChunkShift;
    private const int ChunkMask = ChunkLength - 1;

    private readonly List<(long Timestamp, ulong Hash)[]> chunks = [];

    public int Count { get; private set; }

    public (long Timestamp, ulong Hash) this[int index] => chunks[index >> ChunkShift][index & ChunkMask];

    public void Add((long Timestamp, ulong Hash) key)
    {
        if (Count < ChunkLength)
        {
            // The first chunk grows as a list does, so that the many small streams of a test stay small.
            if (chunks.Count == 0)
            {
                chunks.Add(new (long, ulong)[16]);
            }
            else if (Count == chunks[0].Length)
            {
                var first = chunks[0];
                Array.Resize(ref first, Count * 2);
                chunks[0] = first;
            }
        }
        else if ((Count & ChunkMask) == 0)
        {
            // Every key is written before it is read: the runtime need not clear the chunk first.
            chunks.Add(GC.AllocateUninitializedArray<(long, ulong)>(ChunkLength));
        }

        chunks[^1][Count & ChunkMask] = key;
        Count++;
    }

    /// <summary>Whether a key is held, for keys added in timestamp order: the first at or after the timestamp, then its equals.</summary>
    public bool HoldsSorted((long Timestamp, ulong Hash) key)
    {
        if (Count == 0 || this[Count - 1].Timestamp < key.Timestamp)
        {
            // Newer than everything held, as nearly every entry is: no search through millions of keys.
            return false;
        }

        int low = 0, high = Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (this[middle].Timestamp < key.Timestamp)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        for (var i = low; i < Count && this[i].Timestamp == key.Timestamp; i++)
        {
            if (this[i].Hash == key.Hash)
            {
                return true;
            }
        }

        return false;
    }

    public IEnumerator<(long Timestamp, ulong Hash)> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
