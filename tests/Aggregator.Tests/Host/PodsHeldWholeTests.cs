using System.Reflection;
using System.Runtime.Loader;
using Aggregator.Actors.Discovery;
using Aggregator.Host;
using Aggregator.Host.Operations;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>
/// A Kubernetes configuration a client was built from before the trimmed pod metadata went in reads pods whole for good,
/// and the start-up says so; one built through KubernetesClients does not.
/// </summary>
/// <remarks>
/// KubernetesClient's JSON options are the process's: another test here may have put the trimmed metadata in already,
/// or used the options first, which keeps it out for good. So the library and the aggregator are loaded afresh, in a
/// context of their own, and reached by reflection.
/// </remarks>
public sealed class PodsHeldWholeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aggregator-pods-whole-").FullName;
    private readonly FreshLoad _load = new();

    public void Dispose()
    {
        _load.Unload();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_configuration_whose_client_was_built_before_the_trimmed_metadata_reads_pods_whole_and_the_start_up_warns()
    {
        var before = _load.New(typeof(KubernetesClientConfiguration));
        before.GetType().GetProperty(nameof(KubernetesClientConfiguration.Host))!.SetValue(before, "http://127.0.0.1:1");
        // The first client built copies the library's options into the configuration, as the certificate check once did.
        ((IDisposable)_load.New(typeof(Kubernetes), before, Array.Empty<DelegatingHandler>())).Dispose();
        var settings = _load.Call(typeof(AggregatorSettings), nameof(AggregatorSettings.From), new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Aggregator:Kubernetes:Kubeconfig"] = TestKubeconfig.Write(_directory),
                ["Aggregator:Admin:Port"] = "0",
                ["Aggregator:Metrics:Port"] = "0",
            }).Build());
        var after = _load.New(typeof(KubernetesClientConfiguration));
        after.GetType().GetProperty(nameof(KubernetesClientConfiguration.Host))!.SetValue(after, "http://127.0.0.1:1");
        ((IDisposable)_load.Call(typeof(KubernetesClients), nameof(KubernetesClients.Create), after)).Dispose();

        Assert.False(TrimsPodsOf(before));
        Assert.True(TrimsPodsOf(after));
        Assert.True(TrimsPodsOf(settings.GetType().GetProperty(nameof(AggregatorSettings.Kubernetes))!.GetValue(settings)!));

        // The settings record with the whole-reading configuration in: what `settings with { Kubernetes = before }` makes.
        var whole = settings.GetType().GetMethod("<Clone>$")!.Invoke(settings, null)!;
        whole.GetType().GetProperty(nameof(AggregatorSettings.Kubernetes))!.SetValue(whole, before);
        Assert.Contains(await StartUpLogAsync(whole), l => l.Contains("every watched pod is held whole", StringComparison.Ordinal));
        Assert.DoesNotContain(await StartUpLogAsync(settings), l => l.Contains("every watched pod is held whole", StringComparison.Ordinal));
    }

    private bool TrimsPodsOf(object configuration) =>
        (bool)_load.Call(typeof(PodJson), nameof(PodJson.TrimsPodsOf), configuration);

    // What the admin and metrics endpoints log as they start and stop with these settings.
    private async Task<IReadOnlyList<string>> StartUpLogAsync(object settings)
    {
        var logs = (ILoggerProvider)_load.New(typeof(RecentLogs), 1000);
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var endpoints = (IHostedService)_load.New(typeof(OperationsEndpoints), settings, _load.New(typeof(AggregatorRuntime), 1L << 20), logs, loggers);
        await endpoints.StartAsync(CancellationToken.None);
        await endpoints.StopAsync(CancellationToken.None);
        await ((IAsyncDisposable)endpoints).DisposeAsync();
        return (IReadOnlyList<string>)logs.GetType().GetMethod(nameof(RecentLogs.Last))!.Invoke(logs, [1000])!;
    }

    /// <summary>
    /// The Kubernetes client and the aggregator's assemblies loaded anew, their types named by the tests' own copies of
    /// them; everything else is shared with the tests.
    /// </summary>
    private sealed class FreshLoad() : AssemblyLoadContext("fresh KubernetesClient", isCollectible: true)
    {
        private static readonly Assembly[] Fresh = [typeof(KubernetesClientConfiguration).Assembly, typeof(PodJson).Assembly, typeof(AggregatorSettings).Assembly];

        public object New(Type type, params object[] arguments) =>
            Activator.CreateInstance(Anew(type), BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, arguments, null)!;

        public object Call(Type type, string method, params object[] arguments) =>
            Anew(type).GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, arguments)!;

        protected override Assembly? Load(AssemblyName name) =>
            Fresh.FirstOrDefault(a => a.GetName().Name == name.Name) is { } fresh ? LoadFromAssemblyPath(fresh.Location) : null;

        private Type Anew(Type type) => LoadFromAssemblyName(type.Assembly.GetName()).GetType(type.FullName!, throwOnError: true)!;
    }
}
