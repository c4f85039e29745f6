namespace Aggregator.EndToEnd.Tests;

/// <summary>A kubeconfig for tests that stop before the aggregator reaches its cluster: a loopback port where nothing listens, namespace shop.</summary>
internal static class UnreachableCluster
{
    /// <summary>Writes it to a temporary file and returns the file's path; the caller deletes it.</summary>
    public static async Task<string> WriteKubeconfigAsync()
    {
        var kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
            contexts: [{name: c, context: {cluster: c, namespace: shop}}]
            current-context: c
            """);
        return kubeconfig;
    }
}
