namespace Aggregator.Tests.Host;

/// <summary>A kubeconfig for settings tests: one cluster at an address nothing answers on, and its namespace.</summary>
internal static class TestKubeconfig
{
    /// <summary>Writes it into <paramref name="directory"/> and returns its path; a null namespace leaves the line out.</summary>
    public static string Write(string directory, string? ns = "default")
    {
        var path = Path.Combine(directory, $"kubeconfig-{ns ?? "none"}");
        var namespaceLine = ns is null ? string.Empty : $"\n    namespace: {ns}";
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: http://127.0.0.1:1
            users: []
            contexts:
            - name: test
              context:
                cluster: test{namespaceLine}
            current-context: test

            """);
        return path;
    }
}
