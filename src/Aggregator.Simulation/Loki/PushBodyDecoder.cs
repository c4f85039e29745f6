using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Aggregator.Simulation.Loki.Wire;
using Google.Protobuf;
using Snappier;

namespace Aggregator.Simulation.Loki;

/// <summary>Reads a push body the way Loki's ParseLokiRequest does: Content-Encoding first, then Content-Type picks JSON or snappy-block protobuf.</summary>
internal static class PushBodyDecoder
{
    /// <summary>The streams of a push body; without <paramref name="keepLines"/> a protobuf body's lines are only measured and hashed.</summary>
    public static IReadOnlyList<IncomingStream> Decode(ArraySegment<byte> body, string? contentType, string? contentEncoding, bool keepLines = true)
    {
        var decoded = Decompress(body, contentEncoding ?? string.Empty);
        var mediaType = ParseMediaType(contentType ?? string.Empty);

        // Loki reads every type but application/json as snappy protobuf, even after gzip or deflate.
        return mediaType == "application/json" ? DecodeJson(decoded) : DecodeProtobuf(decoded, keepLines);
    }

    private static ArraySegment<byte> Decompress(ArraySegment<byte> body, string contentEncoding)
    {
        switch (contentEncoding)
        {
            case "":
            case "snappy":
                // Loki ignores "snappy" here: the snappy block is undone by the protobuf path.
                return body;
            case "gzip":
                return Inflate(new GZipStream(new MemoryStream(body.Array!, body.Offset, body.Count), CompressionMode.Decompress), "gzip: invalid header");
            case "deflate":
                return Inflate(new DeflateStream(new MemoryStream(body.Array!, body.Offset, body.Count), CompressionMode.Decompress), "flate: corrupt input before offset 0");
            default:
                throw new PushDecodeException("Content-Encoding " + GoText.Quote(contentEncoding) + " not supported");
        }
    }

    private static byte[] Inflate(Stream decompressor, string corruptMessage)
    {
        using (decompressor)
        {
            try
            {
                using var output = new MemoryStream();
                decompressor.CopyTo(output);
                return output.ToArray();
            }
            catch (InvalidDataException ex)
            {
                throw new PushDecodeException(corruptMessage, ex);
            }
        }
    }

    // Go's mime.ParseMediaType, reduced to what decides the path and its errors.
    private static string ParseMediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var type = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        if (type.Length == 0)
        {
            throw new PushDecodeException("mime: no media type");
        }

        var slash = type.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new PushDecodeException("mime: expected slash after first token");
        }

        if (slash == type.Length - 1)
        {
            throw new PushDecodeException("mime: expected token after slash");
        }

        return type.ToLowerInvariant();
    }

    private static List<IncomingStream> DecodeProtobuf(ArraySegment<byte> body, bool keepLines)
    {
        // Into a pooled buffer: a benchmark's pushes would otherwise each allocate a large-object array.
        byte[]? raw = null;
        try
        {
            int length;
            try
            {
                raw = ArrayPool<byte>.Shared.Rent(Snappy.GetUncompressedLength(body));
                length = Snappy.Decompress(body, raw);
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
            {
                throw new PushDecodeException("snappy: corrupt input", ex);
            }

            try
            {
                return (keepLines ? null : PushRequestSpanReader.TryRead(raw.AsSpan(0, length)))
                    ?? ToStreams(PushRequest.Parser.ParseFrom(raw.AsSpan(0, length)));
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new PushDecodeException("proto: " + ex.Message, ex);
            }
        }
        finally
        {
            if (raw is not null)
            {
                ArrayPool<byte>.Shared.Return(raw);
            }
        }
    }

    private static List<IncomingStream> ToStreams(PushRequest request) =>
        request.Streams
            .Select(s => new IncomingStream(s.Labels, s.Entries.Select(e => IncomingEntry.Of(ToEntry(e))).ToList()))
            .ToList();

    private static StoredEntry ToEntry(EntryAdapter entry)
    {
        // Seconds and nanos straight to Unix nanoseconds: a DateTime would drop the last two digits.
        var nanos = entry.Timestamp is null ? 0L : unchecked((entry.Timestamp.Seconds * 1_000_000_000L) + entry.Timestamp.Nanos);
        var metadata = entry.StructuredMetadata.Count == 0
            ? null
            : ToMetadata(entry.StructuredMetadata.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)));
        return new StoredEntry(nanos, entry.Line, metadata);
    }

    private static Dictionary<string, string> ToMetadata(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in pairs)
        {
            metadata[name] = value;
        }

        return metadata;
    }

    private static List<IncomingStream> DecodeJson(ArraySegment<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var streams = new List<IncomingStream>();
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PushDecodeException("loghttp.PushRequest: ReadObject: expect { or n, but found " + document.RootElement.ValueKind);
            }

            if (!document.RootElement.TryGetProperty("streams", out var streamsElement) || streamsElement.ValueKind == JsonValueKind.Null)
            {
                return streams;
            }

            foreach (var stream in streamsElement.EnumerateArray())
            {
                streams.Add(DecodeJsonStream(stream));
            }

            return streams;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new PushDecodeException("couldn't decode JSON push request: " + ex.Message, ex);
        }
    }

    private static IncomingStream DecodeJsonStream(JsonElement stream)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stream.TryGetProperty("stream", out var labelsElement) && labelsElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in labelsElement.EnumerateObject())
            {
                labels[label.Name] = label.Value.GetString() ?? string.Empty;
            }
        }

        var entries = new List<IncomingEntry>();
        if (stream.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in values.EnumerateArray())
            {
                entries.Add(IncomingEntry.Of(DecodeJsonEntry(value)));
            }
        }

        // Loki turns the JSON label map into a labels string and then parses it like any other.
        return new IncomingStream(GoText.LabelSet(labels, ", "), entries);
    }

    private static StoredEntry DecodeJsonEntry(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2)
        {
            throw new PushDecodeException("each entry of \"values\" must be an array of a timestamp, a line and optional structured metadata");
        }

        var timestampText = value[0].GetString() ?? string.Empty;
        if (!long.TryParse(timestampText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nanos))
        {
            throw new PushDecodeException("strconv.ParseInt: parsing " + GoText.Quote(timestampText) + ": invalid syntax");
        }

        var line = value[1].GetString() ?? string.Empty;
        Dictionary<string, string>? metadata = null;
        if (value.GetArrayLength() > 2 && value[2].ValueKind == JsonValueKind.Object)
        {
            metadata = ToMetadata(value[2].EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? string.Empty)));
            if (metadata.Count == 0)
            {
                metadata = null;
            }
        }

        return new StoredEntry(nanos, line, metadata);
    }
}
