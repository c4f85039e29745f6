using Aggregator.Host;
using Aggregator.Simulation;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests;

/// <summary>
/// The real aggregator host, built by the same code as <c>aggregator run</c>, against a Kubernetes API double
/// and a Loki double on loopback. Each test gets its own three, so no test sees another's pods or entries.
/// </summary>
public sealed class AggregatorUnderTest : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private IHost? _host;

    private AggregatorUnderTest(KubernetesApiDouble kubernetes, LokiDouble loki, DirectoryInfo directory)
    {
        Kubernetes = kubernetes;
        Loki = loki;
        _directory = directory;
    }

    public KubernetesApiDouble Kubernetes { get; }

    public LokiDouble Loki { get; }

    public AggregatorRuntime Runtime => _host!.Services.GetRequiredService<AggregatorRuntime>();

    /// <summary>Where the running aggregator's admin endpoint listens (port 0 was asked for, so one was picked).</summary>
    public int AdminPort => Runtime.AdminPort;

    /// <summary>The base address of /metrics, /healthz and /readyz.</summary>
    public Uri MetricsUri => new($"http://127.0.0.1:{Runtime.MetricsPort}/");

    /// <summary>Starts the doubles; the aggregator itself starts with <see cref="StartAggregatorAsync"/>, so a test can prepare pods first.</summary>
    public static async Task<AggregatorUnderTest> CreateAsync(LokiDoubleOptions? lokiOptions = null, KubernetesDoubleOptions? kubernetesOptions = null)
    {
        var kubernetes = await KubernetesApiDouble.StartAsync(kubernetesOptions);
        var loki = await LokiDouble.StartAsync(lokiOptions);
        return new AggregatorUnderTest(kubernetes, loki, Directory.CreateTempSubdirectory("aggregator-e2e-"));
    }

    /// <summary>Starts the aggregator with its defaults, a short batch timeout, and <paramref name="settings"/> on top.</summary>
    public async Task StartAggregatorAsync(params (string Key, string? Value)[] settings)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Aggregator:Namespaces"] = "shop",
            ["Aggregator:Kubernetes:Kubeconfig"] = Kubernetes.WriteKubeconfig(Path.Combine(_directory.FullName, "kubeconfig")),
            ["Aggregator:Loki:Url"] = Loki.BaseUri.ToString(),
            ["Aggregator:Batch:TimeoutSeconds"] = "0.2",
            ["Aggregator:Loki:RetryMinimumMilliseconds"] = "50",
            ["Aggregator:Loki:RetryMaximumSeconds"] = "0.5",
            ["Aggregator:PodName"] = "aggregator-0",
            // Free ports: several aggregators run at once in this process.
            ["Aggregator:Admin:Port"] = "0",
            ["Aggregator:Metrics:Port"] = "0",
            ["Aggregator:Metrics:Address"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("E2E_LOG_LEVEL") ?? "Warning",
            // The captured messages are what tests check: Information for them, whatever the console shows.
            [$"Logging:{typeof(CapturedLogs).FullName}:LogLevel:Default"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var configuration = AggregatorHost.Configuration([], overrides);
        _host = AggregatorHost.Build(AggregatorSettings.From(configuration), configuration, logging: l => l.AddProvider(Logs));
        await _host.StartAsync();
    }

    /// <summary>Stops the aggregator as SIGTERM would, leaving the doubles running; it can be started again.</summary>
    public async Task StopAggregatorAsync()
    {
        await _host!.StopAsync(CancellationToken.None);
        _host.Dispose();
        _host = null;
    }

    /// <summary>What the aggregator logged, at Information and above.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Waits until the Loki double holds every line written to these streams.</summary>
    public Task WaitForDeliveryAsync(params (string Namespace, string Pod, string Container)[] streams) =>
        Loki.WaitUntilAsync(_ => Report(streams).Streams.All(s => s.Arrived >= s.Written), TimeSpan.FromSeconds(30));

    /// <summary>The delivery judgement for these streams.</summary>
    public DeliveryReport Report(params (string Namespace, string Pod, string Container)[] streams) =>
        DeliveryReport.Compare(Kubernetes, Loki, streams);

    /// <summary>Writes <paramref name="count"/> numbered lines and returns them.</summary>
    public List<string> Write(string ns, string pod, string container, int count, string prefix = "line")
    {
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var line = $"{prefix} {i} of {pod}/{container}";
            Kubernetes.WriteLine(ns, pod, container, line, i % 3 == 2 ? "stderr" : "stdout");
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Polls a condition that no signal announces (state inside the doubles); fails with <paramref name="what"/> after the timeout.</summary>
    public static Task Eventually(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        Eventually(() => Task.FromResult(condition()), what, timeoutSeconds);

    /// <summary>As <see cref="Eventually(Func{bool}, string, int)"/>, and a timeout also says what <paramref name="state"/> finds then.</summary>
    public static async Task Eventually(Func<bool> condition, string what, Func<Task<string>> state, int timeoutSeconds)
    {
        try
        {
            await Eventually(condition, what, timeoutSeconds);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; then {await state()}", timeout);
        }
    }

    /// <summary>
    /// Polls a condition that takes a request to answer (the admin or health endpoint). Awaited, never blocked on:
    /// a thread held waiting for an answer that this same process must serve starves the thread pool when tests run
    /// side by side on two cores, and the answer then arrives late enough to fail a test that has nothing to do with time.
    /// </summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeoutSeconds} s waiting until {what}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
            _host.Dispose();
        }

        await Loki.DisposeAsync();
        await Kubernetes.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
