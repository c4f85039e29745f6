namespace Aggregator.Simulation.Kubernetes;

/// <summary>Writes a kubeconfig that points a client at the double: no credentials, and its CA when it serves HTTPS.</summary>
/// <remarks>The context names no user: KubernetesClient rejects a named user that has no credentials.</remarks>
internal static class KubeconfigWriter
{
    public static string Write(string path, Uri server, string ns, string? authorityPem = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var authority = authorityPem is null
            ? string.Empty
            : "\n    certificate-authority-data: " + Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(authorityPem));
        var text = $"""
            apiVersion: v1
            kind: Config
            preferences: {"{}"}
            clusters:
            - name: kubernetes-double
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}{authority}
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
