using Aggregator.Actors.Loki.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
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
    public static byte[] Encode(PushBatch batch) => Snappy.CompressToArray(ToRequest(batch).ToByteArray());

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
