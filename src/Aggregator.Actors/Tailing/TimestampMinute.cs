namespace Aggregator.Actors.Tailing;

/// <summary>
/// The date, hour and minute of the last timestamp a reader parsed. A busy container writes thousands of lines a
/// minute, all with the same first 16 bytes (<c>2026-11-25T13:41</c>), so the next line's parse can start at its
/// seconds: parsing the whole timestamp was 16 of the 41 ns it took to read a line (BENCHMARKS.md).
/// </summary>
public struct TimestampMinute
{
    /// <summary>Bytes 0–7 of the remembered timestamp (<c>2026-11-</c>), little-endian.</summary>
    internal ulong Head;

    /// <summary>Bytes 8–15 (<c>25T13:41</c>).</summary>
    internal ulong Tail;

    /// <summary>Seconds from the Unix epoch to that minute, read as UTC; the timestamp's own offset is applied after.</summary>
    internal long Seconds;

    /// <summary>False until a timestamp has been parsed.</summary>
    internal bool Known;
}
