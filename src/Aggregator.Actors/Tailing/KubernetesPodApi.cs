using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// <see cref="IPodApi"/> over KubernetesClient: the log request goes through the client's own HttpClient,
/// base URI and credentials (so token rotation and TLS settings apply), but is built by hand.
/// </summary>
/// <remarks>
/// Like the client's own requests, it asks for HTTP/2 unless the configuration disables it
/// (<paramref name="disableHttp2"/>): an API server over TLS then carries every log stream and the watch on a few
/// connections (one per 250 streams, the server's default limit), where HTTP/1.1 takes a TLS connection for each
/// tailed container. Over plain http it stays HTTP/1.1.
/// </remarks>
public sealed class KubernetesPodApi(Kubernetes client, bool disableHttp2 = false) : IPodApi
{
    public async Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, request.RelativeUri()));
        if (!disableHttp2)
        {
            message.Version = HttpVersion.Version20;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }

        if (client.Credentials is not null)
        {
            await client.Credentials.ProcessHttpRequestAsync(message, cancellationToken).ConfigureAwait(false);
        }

        // Headers only: HttpClient.Timeout then covers reaching the server, never the life of the stream.
        var response = await client.HttpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new PodLogException(response.StatusCode, StatusMessage(body, response.StatusCode));
            }
        }

        return new OwningStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), response);
    }

    public async Task<V1Pod?> ReadPodAsync(string podNamespace, string pod, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedPodAsync(pod, podNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The message of a Kubernetes Status body, or the body itself when it is not one.</summary>
    public static string StatusMessage(string body, HttpStatusCode statusCode)
    {
        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(body);
            if (!string.IsNullOrEmpty(status?.Message))
            {
                return status.Message;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status body (a proxy's error page, say): report it as it came.
        }

        var text = body.Trim();
        return text.Length == 0 ? $"HTTP {(int)statusCode}" : text.Length > 300 ? text[..300] : text;
    }

    /// <summary>The response body, disposing the response with it.</summary>
    private sealed class OwningStream(Stream inner, HttpResponseMessage response) : Stream, ILogBody
    {
        public bool HoldsUnreadBytes => response.Version.Major >= 2;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
