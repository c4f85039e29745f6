using System.Diagnostics;

namespace Aggregator.Benchmarks;

/// <summary>This machine's ceiling: the same log streams read over the same loopback HTTP, and thrown away.</summary>
public static class RawBaseline
{
    /// <summary>Reads every container's whole log at once, counting lines; returns lines per second.</summary>
    public static async Task<double> MeasureAsync(Uri apiServer, string ns, IReadOnlyList<string> pods, string container)
    {
        using var http = new HttpClient { BaseAddress = apiServer, Timeout = Timeout.InfiniteTimeSpan };
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(pods.Select(pod => CountLinesAsync(http, $"api/v1/namespaces/{ns}/pods/{pod}/log?container={container}&timestamps=true"))).ConfigureAwait(false);
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }

    private static async Task<long> CountLinesAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }
}
