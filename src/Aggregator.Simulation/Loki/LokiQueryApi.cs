using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Loki;

/// <summary>The read side of the double: query_range over stream selectors, labels and label values, in Loki's JSON shapes.</summary>
internal static class LokiQueryApi
{
    private const int DefaultLimit = 100;
    private static readonly long DefaultSinceNanos = (long)TimeSpan.FromHours(1).TotalMilliseconds * 1_000_000L;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task QueryRange(HttpContext context, LokiStore store, string tenant, LokiDoubleOptions options)
    {
        var query = context.Request.Query;
        IReadOnlyList<LabelMatcher> matchers;
        long start, end;
        int limit;
        bool forward;
        try
        {
            var now = options.TimeProvider.GetUtcNow();
            var nowNanos = (now.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
            matchers = LogSelectorParser.Parse(query["query"].ToString());
            limit = ParseLimit(query["limit"].ToString(), options.MaxEntriesLimitPerQuery);
            end = LokiTimestamp.Parse(query["end"].ToString(), nowNanos);
            start = LokiTimestamp.Parse(query["start"].ToString(), end - DefaultSinceNanos);
            forward = ParseDirection(query["direction"].ToString());
        }
        catch (FormatException ex)
        {
            await LokiDouble.WriteTextAsync(context.Response, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        if (end <= start)
        {
            await LokiDouble.WriteTextAsync(context.Response, StatusCodes.Status400BadRequest, "end timestamp must not be before or equal to start time").ConfigureAwait(false);
            return;
        }

        var length = TimeSpan.FromTicks((end - start) / 100);
        if (length > options.MaxQueryLength)
        {
            await LokiDouble.WriteTextAsync(
                context.Response,
                StatusCodes.Status400BadRequest,
                $"the query time range exceeds the limit (query length: {GoText.Duration(length)}, limit: {GoText.ModelDuration(options.MaxQueryLength)})").ConfigureAwait(false);
            return;
        }

        if (matchers.All(m => m.Matches(string.Empty)))
        {
            await LokiDouble.WriteTextAsync(
                context.Response,
                StatusCodes.Status400BadRequest,
                "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will").ConfigureAwait(false);
            return;
        }

        var result = store.Query(tenant, matchers, start, end, limit, forward);
        await WriteJsonAsync(context.Response, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "success");
            writer.WriteStartObject("data");
            writer.WriteString("resultType", "streams");
            writer.WriteStartArray("result");
            foreach (var stream in result)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("stream");
                foreach (var (name, value) in stream.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                writer.WriteStartArray("values");
                foreach (var entry in stream.Entries)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(entry.TimestampNanos.ToString(CultureInfo.InvariantCulture));
                    writer.WriteStringValue(entry.Line);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("stats");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public static Task Strings(HttpContext context, IReadOnlyList<string> values) =>
        WriteJsonAsync(context.Response, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "success");
            writer.WriteStartArray("data");
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private static int ParseLimit(string text, int max)
    {
        if (text.Length == 0)
        {
            return DefaultLimit;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
        {
            throw new FormatException("strconv.ParseUint: parsing " + GoText.Quote(text) + ": invalid syntax");
        }

        if (limit <= 0)
        {
            throw new FormatException("limit must be a positive value");
        }

        if (limit > max)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"max entries limit per query exceeded, limit > max_entries_limit ({limit} > {max})"));
        }

        return limit;
    }

    private static bool ParseDirection(string text) => text.ToUpperInvariant() switch
    {
        "" or "BACKWARD" => false,
        "FORWARD" => true,
        _ => throw new FormatException("invalid direction '" + text + "'"),
    };

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=UTF-8";
        await response.Body.WriteAsync(buffer.ToArray()).ConfigureAwait(false);
    }
}
