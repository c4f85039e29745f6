using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>
/// Reads a logproto <c>PushRequest</c> straight from its bytes for the double that keeps no lines: each entry's
/// timestamp and its line's length and hash, without a message object, a timestamp object or a string per entry
/// (with millions of lines those were most of the double's work). Anything it does not expect makes it give up, and
/// the generated parser then reads the body and words the error as before.
/// </summary>
internal static class PushRequestSpanReader
{
    // Tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
    private const uint StreamTag = (1 << 3) | 2;
    private const uint LabelsTag = (1 << 3) | 2;
    private const uint EntryTag = (2 << 3) | 2;
    private const uint TimestampTag = (1 << 3) | 2;
    private const uint LineTag = (2 << 3) | 2;
    private const uint SecondsTag = (1 << 3) | 0;
    private const uint NanosTag = (2 << 3) | 0;

    /// <summary>The streams of the request, or null when the bytes are not a request this reader can vouch for.</summary>
    public static List<IncomingStream>? TryRead(ReadOnlySpan<byte> request)
    {
        var streams = new List<IncomingStream>();
        var reader = new WireReader(request);
        while (!reader.End)
        {
            if (!reader.TryTag(out var tag))
            {
                return null;
            }

            if (tag == StreamTag)
            {
                if (!reader.TryBytes(out var stream) || ReadStream(stream) is not { } read)
                {
                    return null;
                }

                streams.Add(read);
            }
            else if (!reader.TrySkip(tag))
            {
                return null;
            }
        }

        return streams;
    }

    private static IncomingStream? ReadStream(ReadOnlySpan<byte> stream)
    {
        var labels = string.Empty;
        var entries = new List<IncomingEntry>(CountEntries(stream));
        var reader = new WireReader(stream);
        while (!reader.End)
        {
            if (!reader.TryTag(out var tag))
            {
                return null;
            }

            if (tag == LabelsTag)
            {
                if (!reader.TryBytes(out var text))
                {
                    return null;
                }

                labels = Encoding.UTF8.GetString(text);
            }
            else if (tag == EntryTag)
            {
                if (!reader.TryBytes(out var entry) || ReadEntry(entry) is not { } read)
                {
                    return null;
                }

                entries.Add(read);
            }
            else if (!reader.TrySkip(tag))
            {
                return null;
            }
        }

        return new IncomingStream(labels, entries);
    }

    // A pass over the tags alone sizes the list once instead of growing it by doubling: in the benchmark the doubles
    // then take a twelfth less CPU per line (BENCHMARKS.md). A malformed stream counts short; the reading pass reports it.
    private static int CountEntries(ReadOnlySpan<byte> stream)
    {
        var count = 0;
        var reader = new WireReader(stream);
        while (!reader.End && reader.TryTag(out var tag))
        {
            if (tag == EntryTag)
            {
                if (!reader.TryBytes(out _))
                {
                    break;
                }

                count++;
            }
            else if (!reader.TrySkip(tag))
            {
                break;
            }
        }

        return count;
    }

    private static IncomingEntry? ReadEntry(ReadOnlySpan<byte> entry)
    {
        long seconds = 0;
        long nanos = 0;
        ReadOnlySpan<byte> line = [];
        var reader = new WireReader(entry);
        while (!reader.End)
        {
            if (!reader.TryTag(out var tag))
            {
                return null;
            }

            if (tag == TimestampTag)
            {
                if (!reader.TryBytes(out var timestamp) || !TryReadTimestamp(timestamp, out seconds, out nanos))
                {
                    return null;
                }
            }
            else if (tag == LineTag)
            {
                if (!reader.TryBytes(out line))
                {
                    return null;
                }
            }
            else if (!reader.TrySkip(tag))
            {
                return null;
            }
        }

        // As the generated path does: seconds and nanos straight to Unix nanoseconds.
        return new IncomingEntry(unchecked((seconds * 1_000_000_000L) + (int)nanos), line.Length, IncomingEntry.Hash(line), Stored: null);
    }

    private static bool TryReadTimestamp(ReadOnlySpan<byte> timestamp, out long seconds, out long nanos)
    {
        seconds = 0;
        nanos = 0;
        var reader = new WireReader(timestamp);
        while (!reader.End)
        {
            if (!reader.TryTag(out var tag))
            {
                return false;
            }

            var known = tag switch
            {
                SecondsTag => reader.TryVarint(out var value) && Set(out seconds, (long)value),
                NanosTag => reader.TryVarint(out var value) && Set(out nanos, (long)value),
                _ => reader.TrySkip(tag),
            };
            if (!known)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Set(out long field, long value)
    {
        field = value;
        return true;
    }

    /// <summary>The protobuf wire format, read forward over a span.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool End => _at >= _data.Length;

        public bool TryTag(out uint tag)
        {
            tag = 0;
            if (!TryVarint(out var value) || value > uint.MaxValue || (value >> 3) == 0)
            {
                return false;
            }

            tag = (uint)value;
            return true;
        }

        public bool TryVarint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 64 && _at < _data.Length; shift += 7)
            {
                var b = _data[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }

        public bool TryBytes(out ReadOnlySpan<byte> bytes)
        {
            bytes = [];
            if (!TryVarint(out var length) || length > (ulong)(_data.Length - _at))
            {
                return false;
            }

            bytes = _data.Slice(_at, (int)length);
            _at += (int)length;
            return true;
        }

        public bool TrySkip(uint tag) => (tag & 7) switch
        {
            0 => TryVarint(out _),
            1 => TryAdvance(8),
            2 => TryBytes(out _),
            5 => TryAdvance(4),
            _ => false,
        };

        private bool TryAdvance(int count)
        {
            if (count > _data.Length - _at)
            {
                return false;
            }

            _at += count;
            return true;
        }
    }
}
