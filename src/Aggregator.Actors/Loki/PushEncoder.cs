using Aggregator.Actors.Loki.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using System.Buffers;
using Snappier;

namespace Aggregator.Actors.Loki;

/// <summary>Encodes a batch as Loki's push body: a logproto PushRequest, compressed in snappy block format.</summary>
public static class PushEncoder
{
    /// <summary>The Content-Type Loki expects for this body.</summary>
    public const string ContentType = "application/x-protobuf";

    /// <summary>The uncompressed protobuf request.</summary>
    public static PushRequest ToRequest(PushBatch batch)
    {
        var request = new PushRequest();
        foreach (var (stream, entries) in batch.ByStream())
        {
            var adapter = new StreamAdapter { Labels = stream.Labels.Rendered };
            foreach (var entry in entries)
            {
                adapter.Entries.Add(new EntryAdapter { Timestamp = ToTimestamp(entry.TimestampNanos), Line = entry.Line });
            }

            request.Streams.Add(adapter);
        }

        return request;
    }

    /// <summary>The request body: protobuf, then snappy block compression.</summary>
    public static byte[] Encode(PushBatch batch)
    {
        using var body = EncodePooled(batch);
        return body.Memory.ToArray();
    }

    /// <summary>
    /// The request body in a buffer rented from the shared pool; dispose it once sent. A push body is usually
    /// larger than 85 KB, and fresh arrays of that size would each land on the large object heap.
    /// </summary>
    public static PooledBody EncodePooled(PushBatch batch)
    {
        var (protobuf, size) = PushRequestWriter.Write(batch);
        try
        {
            var compressed = PushBuffers.Pool.Rent(Snappy.GetMaxCompressedLength(size));
            var length = Snappy.Compress(protobuf.AsSpan(0, size), compressed);
            return new PooledBody(compressed, length);
        }
        finally
        {
            PushBuffers.Pool.Return(protobuf);
        }
    }

    /// <summary>Builds the protobuf timestamp from nanoseconds directly; DateTime would round to 100 ns.</summary>
    public static Timestamp ToTimestamp(long unixNanos)
    {
        var seconds = Math.DivRem(unixNanos, 1_000_000_000L, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        return new Timestamp { Seconds = seconds, Nanos = (int)nanos };
    }
}

/// <summary>An encoded push body in a pooled buffer.</summary>
public sealed class PooledBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    /// <summary>The body's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, length);

    /// <summary>The buffer, for HTTP content that takes an array.</summary>
    public ArraySegment<byte> Segment => new(_buffer!, 0, length);

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            PushBuffers.Pool.Return(buffer);
        }
    }
}
