using System.Text.Json;
using Aggregator.Host;
using Aggregator.Simulation.Kubernetes;
using Microsoft.Extensions.Hosting;

namespace Aggregator.EndToEnd.Tests;

/// <summary>Without LOKI_URL, entries are written to standard output as JSON lines.</summary>
public sealed class StdoutModeTests
{
    [Fact(Timeout = 60_000)]
    public async Task Without_a_Loki_URL_every_line_is_written_as_a_JSON_line_with_labels_and_timestamp()
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync();
        var directory = Directory.CreateTempSubdirectory("aggregator-stdout-");
        try
        {
            kubernetes.CreatePod("shop", "web-0", ["app"], new Dictionary<string, string> { ["app"] = "web" });
            kubernetes.StartPod("shop", "web-0");
            var written = Enumerable.Range(0, 20).Select(i => (Line: $"line {i} \"quoted\"", Ts: kubernetes.WriteLine("shop", "web-0", "app", $"line {i} \"quoted\""))).ToList();
            var configuration = AggregatorHost.Configuration([], new Dictionary<string, string?>
            {
                ["Aggregator:Namespaces"] = "shop",
                ["Aggregator:Kubernetes:Kubeconfig"] = kubernetes.WriteKubeconfig(Path.Combine(directory.FullName, "kubeconfig")),
                ["Aggregator:Loki:Url"] = "",
                ["Aggregator:Batch:TimeoutSeconds"] = "0.2",
                ["Aggregator:Admin:Port"] = "0",
                ["Aggregator:Metrics:Port"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            var output = new SynchronizedWriter();
            using var host = AggregatorHost.Build(AggregatorSettings.From(configuration), configuration, output);
            await host.StartAsync();

            await AggregatorUnderTest.Eventually(() => output.Lines().Count >= 20, "20 JSON lines are written");
            await host.StopAsync();

            var entries = output.Lines().Select(line => JsonDocument.Parse(line).RootElement).ToList();
            Assert.Equal(written.Select(w => w.Line), entries.Select(e => e.GetProperty("line").GetString()));
            Assert.Equal(written.Select(w => w.Ts.ToString(System.Globalization.CultureInfo.InvariantCulture)), entries.Select(e => e.GetProperty("ts").GetString()));
            Assert.Equal("web", entries[0].GetProperty("labels").GetProperty("app").GetString());
            Assert.Equal("shop", entries[0].GetProperty("labels").GetProperty("namespace").GetString());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public List<string> Lines()
        {
            lock (_gate)
            {
                return [.. ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            }
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                Write(buffer.Span);
            }

            return Task.CompletedTask;
        }
    }
}
