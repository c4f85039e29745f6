using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>
/// One entry of a decoded push: what validation and de-duplication need (timestamp, the line's UTF-8 length and hash)
/// and, when the double keeps lines, the entry as it is stored.
/// </summary>
internal readonly record struct IncomingEntry(long TimestampNanos, int LineBytes, ulong LineHash, StoredEntry? Stored)
{
    /// <summary>An entry whose line was decoded to text.</summary>
    public static IncomingEntry Of(StoredEntry entry) =>
        new(entry.TimestampNanos, Encoding.UTF8.GetByteCount(entry.Line), Hash(entry.Line), entry);

    /// <summary>The hash that tells lines apart: XxHash3 of the line's UTF-8 bytes.</summary>
    public static ulong Hash(ReadOnlySpan<byte> utf8) => XxHash3.HashToUInt64(utf8);

    /// <inheritdoc cref="Hash(ReadOnlySpan{byte})"/>
    public static ulong Hash(string line)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            return Hash(rented.AsSpan(0, Encoding.UTF8.GetBytes(line, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
