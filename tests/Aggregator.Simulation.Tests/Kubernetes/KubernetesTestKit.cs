using System.Globalization;
using System.Text.Json;
using Aggregator.Simulation.Kubernetes;
using k8s;

namespace Aggregator.Simulation.Tests.Kubernetes;

/// <summary>Shared plumbing for the Kubernetes double tests: a real client, raw HTTP and condition waits.</summary>
internal static class KubernetesTestKit
{
    public static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The product's way in: a kubeconfig file read by KubernetesClient.</summary>
    public static k8s.Kubernetes ClientFor(KubernetesApiDouble cluster)
    {
        var path = cluster.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}.yaml"));
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
    }

    public static Uri At(KubernetesApiDouble cluster, string pathAndQuery) => new(cluster.BaseUri, pathAndQuery);

    public static async Task<(int Status, string Body)> GetAsync(KubernetesApiDouble cluster, string pathAndQuery)
    {
        using var response = await Http.GetAsync(At(cluster, pathAndQuery));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens a streaming response and returns once its headers have arrived.</summary>
    public static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(
        KubernetesApiDouble cluster, string pathAndQuery, CancellationToken cancellationToken = default)
    {
        var response = await Http.GetAsync(At(cluster, pathAndQuery), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    public static string LogPath(string ns, string pod, string query) => $"/api/v1/namespaces/{ns}/pods/{pod}/log?{query}";

    /// <summary>Unix nanoseconds of a kubelet timestamp prefix.</summary>
    public static long ParseNanos(string timestamp)
    {
        var whole = DateTime.ParseExact(timestamp[..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var seconds = (long)(whole - DateTime.UnixEpoch).TotalSeconds;
        return (seconds * 1_000_000_000L) + long.Parse(timestamp[20..29], CultureInfo.InvariantCulture);
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(5);
        }
    }

    public static async Task<string?> ReadLineWithin(StreamReader reader, int timeoutMs = 10000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        return await reader.ReadLineAsync(timeout.Token);
    }
}
