using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Loki;

/// <summary>Pushes batches to Loki over HTTP and classifies each answer as delivered, rejected or retryable.</summary>
public sealed class LokiClient : ILogShipper, IStreamPositions, IDisposable
{
    private readonly LokiSettings _settings;
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _basic;
    private string? _fileToken;
    private DateTime _fileTokenWritten;

    public LokiClient(LokiSettings settings)
    {
        _settings = settings;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (settings.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                TrustedBy(roots, certificate, errors);
        }

        _http = new HttpClient(handler) { Timeout = settings.RequestTimeout };
        if (settings.Username is not null)
        {
            _basic = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}")));
        }
    }

    public string Destination => _settings.PushUri.ToString();

    public async Task<ShipOutcome> ShipAsync(PushBatch batch, CancellationToken cancellationToken)
    {
        using var encoded = PushEncoder.EncodePooled(batch);
        using var request = new HttpRequestMessage(HttpMethod.Post, _settings.PushUri);
        request.Content = new ByteArrayContent(encoded.Segment.Array!, encoded.Segment.Offset, encoded.Segment.Count);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(PushEncoder.ContentType);
        Identify(request);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return ShipOutcome.Delivered;
            }

            var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            var message = body.Length == 0 ? response.ReasonPhrase ?? $"HTTP {status}" : body;
            return Classify(response.StatusCode, message, RetryAfter(response));
        }
        catch (HttpRequestException e)
        {
            return new ShipOutcome(ShipResult.Retryable, 0, e.InnerException?.Message ?? e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ShipOutcome(ShipResult.Retryable, 0, $"no answer within {_settings.RequestTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Asks <c>query_range</c> for the newest entry of one container's log (backward, limit 1), by the labels that
    /// name it (<see cref="StreamLabels.Identity"/>), within the given window of its instance's life. Times are sent
    /// as integer nanoseconds; several result streams may come back (the pod relabelled), and the greatest timestamp wins.
    /// </summary>
    public async Task<long?> NewestTimestampAsync(LabelSet labels, long fromNanos, long toNanos, CancellationToken cancellationToken)
    {
        // Loki refuses a range longer than max_query_length (30d1h by default) with a 400: for an instance that has run
        // longer, only its last 30 days are asked, and a stream quiet for all of them reads as holding nothing.
        fromNanos = Math.Max(fromNanos, toNanos - LongestQueryNanos);
        var query = Uri.EscapeDataString(StreamLabels.Identity(labels).Rendered);
        var uri = new Uri(QueryUri(_settings.PushUri),
            $"?query={query}&start={fromNanos.ToString(CultureInfo.InvariantCulture)}&end={toNanos.ToString(CultureInfo.InvariantCulture)}&limit=1&direction=backward");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        Identify(request);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}: {body.Trim()}", null, response.StatusCode);
        }

        long? newest = null;
        using var json = JsonDocument.Parse(body);
        foreach (var stream in json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            foreach (var value in stream.GetProperty("values").EnumerateArray())
            {
                var timestamp = long.Parse(value[0].GetString()!, CultureInfo.InvariantCulture);
                newest = newest is null ? timestamp : Math.Max(newest.Value, timestamp);
            }
        }

        return newest;
    }

    private const long LongestQueryNanos = 30L * 24 * 3600 * 1_000_000_000;

    /// <summary>The query_range endpoint beside a push endpoint.</summary>
    public static Uri QueryUri(Uri pushUri)
    {
        var path = pushUri.AbsolutePath;
        var root = path.EndsWith("/loki/api/v1/push", StringComparison.Ordinal) ? path[..^"/loki/api/v1/push".Length] : path.TrimEnd('/');
        return new Uri(pushUri, root + "/loki/api/v1/query_range");
    }

    /// <summary>
    /// 400 is final (Loki stored what it could and says what it refused); throttling, server errors and
    /// anything that may be fixed while we wait (auth, a wrong path behind a proxy) are retried.
    /// </summary>
    public static ShipOutcome Classify(HttpStatusCode statusCode, string message, TimeSpan? retryAfter)
    {
        var status = (int)statusCode;
        return status switch
        {
            >= 200 and < 300 => ShipOutcome.Delivered,
            400 or 413 or 422 => new ShipOutcome(ShipResult.Rejected, status, message),
            _ => new ShipOutcome(ShipResult.Retryable, status, message, retryAfter),
        };
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>The tenant and the credentials every request to Loki carries, pushes and queries alike.</summary>
    private void Identify(HttpRequestMessage request)
    {
        if (_settings.TenantId is { } tenant)
        {
            request.Headers.TryAddWithoutValidation("X-Scope-OrgID", tenant);
        }

        request.Headers.Authorization = _basic ?? BearerHeader();
    }

    private AuthenticationHeaderValue? BearerHeader()
    {
        if (_settings.BearerTokenFile is { } file)
        {
            var written = File.GetLastWriteTimeUtc(file);
            if (_fileToken is null || written != _fileTokenWritten)
            {
                _fileToken = File.ReadAllText(file).Trim();
                _fileTokenWritten = written;
            }

            return new AuthenticationHeaderValue("Bearer", _fileToken);
        }

        return _settings.BearerToken is { } token ? new AuthenticationHeaderValue("Bearer", token) : null;
    }

    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public void Dispose() => _http.Dispose();
}
