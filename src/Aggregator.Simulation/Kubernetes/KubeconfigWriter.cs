namespace Aggregator.Simulation.Kubernetes;

/// <summary>Writes a kubeconfig that points a client at the double: plain http, no credentials.</summary>
/// <remarks>The context names no user: KubernetesClient rejects a named user that has no credentials.</remarks>
internal static class KubeconfigWriter
{
    public static string Write(string path, Uri server, string ns)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var text = $"""
            apiVersion: v1
            kind: Config
            preferences: {"{}"}
            clusters:
            - name: kubernetes-double
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}
            users: []
            contexts:
            - name: kubernetes-double
              context:
                cluster: kubernetes-double
                namespace: {ns}
            current-context: kubernetes-double

            """;
        File.WriteAllText(path, text);
        return path;
    }
}
