using System.Net;
using System.Net.Http.Headers;

namespace Aggregator.Host.Ctl;

/// <summary>Talks to a running aggregator's admin endpoint; every failure becomes a one-line <see cref="CtlException"/>.</summary>
public sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    /// <summary>
    /// A client of the endpoint at <paramref name="host"/>:<paramref name="port"/>, sending <paramref name="token"/> as a
    /// bearer token when set; <paramref name="host"/> as <see cref="AdminAddress.UrlHost"/> gives it.
    /// </summary>
    public AdminClient(string host, int port, string? token, TimeSpan timeout)
    {
        Target = $"{host}:{port}";
        _timeout = timeout;
        _http = new HttpClient { BaseAddress = new Uri($"http://{Target}/"), Timeout = timeout };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>host:port, as messages name it.</summary>
    public string Target { get; }

    /// <summary>The JSON body of <c>GET <paramref name="pathAndQuery"/></c>.</summary>
    public async Task<string> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new CtlException($"no aggregator is listening on {Target} (is it running? ADMIN_PORT or --port sets the port)");
        }
        catch (HttpRequestException e)
        {
            throw new CtlException($"cannot talk to the aggregator at {Target}: {e.GetBaseException().Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CtlException($"the aggregator at {Target} did not answer within {_timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => body,
                HttpStatusCode.Unauthorized => throw new CtlException(
                    $"the aggregator at {Target} refused the request: it needs its admin token (ADMIN_TOKEN or --token)"),
                var status => throw new CtlException(
                    $"the aggregator at {Target} answered HTTP {(int)status}: {FirstLine(body)}"),
            };
        }
    }

    public void Dispose() => _http.Dispose();

    private static string FirstLine(string body)
    {
        var line = body.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
