using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Aggregator.Simulation.Kubernetes;

namespace Aggregator.Benchmarks;

/// <summary>This machine's ceiling: the same log streams read over the same loopback HTTP, and thrown away.</summary>
public static class RawBaseline
{
    /// <summary>Reads every container's whole log at once, counting lines; <paramref name="lines"/> is how many they hold.</summary>
    /// <remarks>Over TLS as the aggregator reads: HTTP/2, more connections as the server's stream limit requires.</remarks>
    public static async Task<RawRate> MeasureAsync(KubernetesApiDouble apiServer, string ns, IReadOnlyList<string> pods, string container, long lines)
    {
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (apiServer.CertificateAuthority is { } authority)
        {
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { authority },
                RevocationMode = X509RevocationMode.NoCheck,
            };
        }

        using var http = new HttpClient(handler)
        {
            BaseAddress = apiServer.BaseUri,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var counted = 0L;
        var sustained = new SustainedRate(lines);
        using var sampling = new CancellationTokenSource();
        // Nothing but the Kubernetes double and the reader runs in this process during the read.
        var cpuAtStart = ThisProcess.Cpu();
        var clock = Stopwatch.StartNew();
        var sampled = sustained.SampleAsync(() => Interlocked.Read(ref counted), clock, sampling.Token);
        var counts = await Task.WhenAll(pods.Select(pod => CountLinesAsync(
                http, $"api/v1/namespaces/{ns}/pods/{pod}/log?container={container}&timestamps=true", read => Interlocked.Add(ref counted, read))))
            .ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (ThisProcess.Cpu() - cpuAtStart).TotalSeconds;
        await sampling.CancelAsync().ConfigureAwait(false);
        await sampled.ConfigureAwait(false);
        var read = counts.Sum();
        return new RawRate(read / seconds, sustained.LinesPerSecond) { CpuSecondsPerMillionLines = cpu / read * 1_000_000, CoresBusy = cpu / seconds };
    }

    private static async Task<long> CountLinesAsync(HttpClient http, string path, Action<long> counted)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            var inRead = buffer.AsSpan(0, read).Count((byte)'\n');
            lines += inRead;
            counted(inRead);
        }

        return lines;
    }
}

/// <summary>The raw baseline's rate over its whole read, and between a tenth and nine tenths of the lines read.</summary>
public sealed record RawRate(double LinesPerSecond, double? SustainedLinesPerSecond)
{
    /// <summary>The CPU the read took — the Kubernetes double's serving and the reader's counting — per million lines.</summary>
    public double CpuSecondsPerMillionLines { get; init; }

    /// <summary>How many cores that CPU kept busy on average over the read.</summary>
    public double CoresBusy { get; init; }

    /// <summary>
    /// The faster read with its own CPU figures, so that they still explain its rate; the sustained rate is the
    /// better of the two.
    /// </summary>
    public static RawRate Better(RawRate a, RawRate b) => (a.LinesPerSecond >= b.LinesPerSecond ? a : b) with
    {
        SustainedLinesPerSecond = a.SustainedLinesPerSecond is { } x && b.SustainedLinesPerSecond is { } y
            ? Math.Max(x, y)
            : a.SustainedLinesPerSecond ?? b.SustainedLinesPerSecond,
    };
}
