using Aggregator.Host;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The <c>run</c> command's handling of configuration it cannot run with.</summary>
public sealed class CommandLineTests
{
    [Theory(Timeout = 30_000)]
    [InlineData("--Aggregator:Batch:Size=lots", "BATCH_SIZE")]
    [InlineData("--Aggregator:Batch:Size=0", "BATCH_SIZE")]
    [InlineData("--Aggregator:Batch:TimeoutSeconds=-2", "BATCH_TIMEOUT")]
    [InlineData("--Aggregator:Loki:Url=loki:3100", "LOKI_URL")]
    [InlineData("--Aggregator:Namespaces=Not_A_Namespace", "NAMESPACE")]
    [InlineData("--Aggregator:Kubernetes:Kubeconfig=/nonexistent/kubeconfig", "Kubernetes configuration")]
    public async Task Invalid_configuration_stops_with_one_line_naming_the_setting_and_exit_code_2(string argument, string named)
    {
        var kubeconfig = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
                contexts: [{name: c, context: {cluster: c, namespace: shop}}]
                current-context: c
                """);
            var errors = new StringWriter();
            string[] arguments = argument.Contains("Kubeconfig", StringComparison.Ordinal)
                ? [argument]
                : [$"--Aggregator:Kubernetes:Kubeconfig={kubeconfig}", argument];

            var exitCode = await RunCommand.RunAsync(arguments, CancellationToken.None, errors);

            Assert.Equal(2, exitCode);
            var output = errors.ToString().TrimEnd();
            Assert.DoesNotContain('\n', output);
            Assert.StartsWith("aggregator: invalid configuration: ", output, StringComparison.Ordinal);
            Assert.Contains(named, output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
