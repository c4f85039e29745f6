using System.Globalization;
using System.Text.Json;

namespace Aggregator.Actors.Loki;

/// <summary>Writes entries to standard output as JSON lines, for running without a Loki (LOKI_URL unset).</summary>
public sealed class StdoutShipper(TextWriter output) : ILogShipper
{
    public string Destination => "standard output";

    public async Task<ShipOutcome> ShipAsync(PushBatch batch, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            foreach (var (stream, entries) in batch.ByStream())
            {
                foreach (var entry in entries)
                {
                    json.WriteStartObject();
                    json.WriteString("ts", entry.TimestampNanos.ToString(CultureInfo.InvariantCulture));
                    json.WriteStartObject("labels");
                    foreach (var (name, value) in stream.Labels.Labels)
                    {
                        json.WriteString(name, value);
                    }

                    json.WriteEndObject();
                    json.WriteString("line", entry.Utf8.Span);
                    json.WriteEndObject();
                    json.Flush();
                    buffer.WriteByte((byte)'\n');
                    json.Reset();
                }
            }
        }

        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).AsMemory(), cancellationToken)
            .ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return ShipOutcome.Delivered;
    }
}
