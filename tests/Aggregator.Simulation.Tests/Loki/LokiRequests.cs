using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aggregator.Simulation.Loki.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Snappier;
using Xunit;

namespace Aggregator.Simulation.Tests.Loki;

/// <summary>Builds push bodies the way Promtail and the aggregator do, and reads query answers.</summary>
internal static class LokiRequests
{
    public static long NowNanos => NanosOf(DateTimeOffset.UtcNow);

    /// <summary>A time as Loki's Unix nanoseconds.</summary>
    public static long NanosOf(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public static PushRequest Push(params (string Labels, (long Ts, string Line)[] Entries)[] streams)
    {
        var request = new PushRequest();
        foreach (var (labels, entries) in streams)
        {
            var stream = new StreamAdapter { Labels = labels };
            foreach (var (ts, line) in entries)
            {
                stream.Entries.Add(new EntryAdapter { Timestamp = Timestamp(ts), Line = line });
            }

            request.Streams.Add(stream);
        }

        return request;
    }

    public static Timestamp Timestamp(long nanos) => new() { Seconds = nanos / 1_000_000_000L, Nanos = (int)(nanos % 1_000_000_000L) };

    public static ByteArrayContent SnappyProtobuf(PushRequest request, string? contentType = "application/x-protobuf")
    {
        var content = new ByteArrayContent(Snappy.CompressToArray(request.ToByteArray()));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return content;
    }

    public static ByteArrayContent Gzip(byte[] body, string contentType)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> PostAsync(Uri pushUri, HttpContent content, string? tenant = null)
    {
        using var client = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, pushUri) { Content = content };
        if (tenant is not null)
        {
            message.Headers.Add("X-Scope-OrgID", tenant);
        }

        return await client.SendAsync(message);
    }

    public static async Task<(int Status, string Body)> PushAsync(Uri pushUri, HttpContent content, string? tenant = null)
    {
        using var response = await PostAsync(pushUri, content, tenant);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(int Status, string Body)> GetAsync(Uri uri, string? tenant = null)
    {
        using var client = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        if (tenant is not null)
        {
            message.Headers.Add("X-Scope-OrgID", tenant);
        }

        using var response = await client.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>All (stream labels, ts, line) of a query_range answer, in answer order.</summary>
    public static List<(Dictionary<string, string> Stream, long Ts, string Line)> Values(string queryRangeBody)
    {
        using var document = JsonDocument.Parse(queryRangeBody);
        var data = document.RootElement.GetProperty("data");
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        Assert.Equal("streams", data.GetProperty("resultType").GetString());
        var values = new List<(Dictionary<string, string>, long, string)>();
        foreach (var result in data.GetProperty("result").EnumerateArray())
        {
            var stream = result.GetProperty("stream").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            foreach (var value in result.GetProperty("values").EnumerateArray())
            {
                values.Add((stream, long.Parse(value[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture), value[1].GetString()!));
            }
        }

        return values;
    }

    public static Uri QueryRange(Uri baseUri, string query, string start, string end, int limit, string direction) =>
        new(baseUri, $"loki/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={start}&end={end}&limit={limit}&direction={direction}");
}

