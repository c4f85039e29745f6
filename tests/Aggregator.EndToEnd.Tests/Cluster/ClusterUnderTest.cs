using Aggregator.Host;
using Aggregator.Host.Operations;
using Aggregator.Simulation;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary>
/// Three aggregator hosts in cluster mode in this process, on loopback with reserved remoting ports and one seed
/// list, against one Kubernetes API double and one Loki double.
/// </summary>
public sealed class ClusterUnderTest : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly IHost?[] _members;
    private readonly int[] _ports;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    private ClusterUnderTest(KubernetesApiDouble kubernetes, LokiDouble loki, DirectoryInfo directory, int members, IReadOnlyDictionary<string, string?> settings)
    {
        Kubernetes = kubernetes;
        Loki = loki;
        _directory = directory;
        _members = new IHost?[members];
        _ports = ReservePorts(members);
        _settings = settings;
    }

    public KubernetesApiDouble Kubernetes { get; }

    public LokiDouble Loki { get; }

    /// <summary>The running members' indexes.</summary>
    public IEnumerable<int> Running => Enumerable.Range(0, _members.Length).Where(i => _members[i] is not null);

    /// <summary>
    /// Starts the doubles and the first <paramref name="running"/> (default: all) of <paramref name="members"/>
    /// members, and waits until each sees all of them Up; the others can join later with <see cref="JoinAsync"/>.
    /// <paramref name="settings"/> (keys such as <c>Aggregator:Cluster:StableAfterSeconds</c>) replace the harness's
    /// own on every member.
    /// </summary>
    public static async Task<ClusterUnderTest> StartAsync(int members = 3, int? running = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var test = new ClusterUnderTest(
            await KubernetesApiDouble.StartAsync(), await LokiDouble.StartAsync(), Directory.CreateTempSubdirectory("aggregator-cluster-"), members,
            settings ?? new Dictionary<string, string?>());
        await Task.WhenAll(Enumerable.Range(0, running ?? members).Select(test.StartMemberAsync));
        await test.WaitUntilAllUpAsync();
        return test;
    }

    /// <summary>Starts member <paramref name="member"/>, which joins through the seeds, and waits until every running member sees all Up.</summary>
    public async Task JoinAsync(int member)
    {
        await StartMemberAsync(member);
        await WaitUntilAllUpAsync();
    }

    /// <summary>The member every other sees as the oldest: it hosts the shard coordinator.</summary>
    public int Oldest()
    {
        var oldest = Akka.Cluster.Cluster.Get(Runtime(Running.First()).System!).State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up)
            .Aggregate((a, b) => a.IsOlderThan(b) ? a : b);
        return Running.Single(i => Akka.Cluster.Cluster.Get(Runtime(i).System!).SelfAddress == oldest.Address);
    }

    /// <summary>The shards (with their entities) that member <paramref name="member"/>'s region hosts now.</summary>
    public async Task<IReadOnlyCollection<Akka.Cluster.Sharding.ShardState>> ShardsOfAsync(int member)
    {
        var region = Akka.Cluster.Sharding.ClusterSharding.Get(Runtime(member).System!).ShardRegion(AggregatorClusterExtensions.TailsRegion);
        var state = await region.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(
            Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards;
    }

    /// <summary>
    /// Kills member <paramref name="member"/> as a crash would: its actor system is aborted, so CoordinatedShutdown
    /// does not run (no hand-off, no flush, no cluster leave) and its remoting stops without a goodbye; the others
    /// only learn of it from their failure detectors.
    /// </summary>
    public async Task KillMemberAsync(int member)
    {
        var host = _members[member]!;
        _members[member] = null;
        var system = (Akka.Actor.ExtendedActorSystem)host.Services.GetRequiredService<AggregatorRuntime>().System!;
        system.Abort();
        await system.WhenTerminated;
        // The host's own stop now finds the actor system gone: nothing of the member reaches the others any more.
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
    }

    /// <summary>
    /// Starts member <paramref name="member"/> with the addresses of <paramref name="seeds"/> (member indexes, whether
    /// they run or not) as its only seeds, and waits for nothing: a seed where nothing listens leaves it unjoined.
    /// </summary>
    public Task StartWithSeedsAsync(int member, params int[] seeds) => StartMemberAsync(member, seeds);

    /// <summary>The remoting address of member <paramref name="member"/>, running or not.</summary>
    public string AddressOf(int member) => $"akka.tcp://aggregator@127.0.0.1:{_ports[member].ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The base address of member <paramref name="member"/>'s /metrics, /healthz and /readyz.</summary>
    public Uri MetricsUri(int member) => new($"http://127.0.0.1:{Runtime(member).MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");

    /// <summary>What member <paramref name="member"/> has logged (at the harness's level), kept after it stops.</summary>
    public RecentLogs Logs(int member) => _members[member]!.Services.GetRequiredService<RecentLogs>();

    public AggregatorRuntime Runtime(int member) => _members[member]!.Services.GetRequiredService<AggregatorRuntime>();

    /// <summary>How many members <paramref name="member"/> sees Up.</summary>
    public int UpMembers(int member) =>
        Runtime(member).System is { } system
            ? Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up)
            : 0;

    /// <summary>Tails running on each member, by member index.</summary>
    public Dictionary<int, int> TailsPerMember() => Running.ToDictionary(i => i, i => Runtime(i).Counters.ActiveTails);

    /// <summary>
    /// Who counts how many tails and hosts which entities, the log streams the double has open (any open twice), and
    /// the open ones that no running member hosts an entity for: what a wait on them shows when it fails.
    /// </summary>
    public async Task<string> DescribeTailsAsync()
    {
        var open = Kubernetes.OpenLogStreams;
        var twice = open.GroupBy(s => s).Count(g => g.Count() > 1);
        var hosted = new HashSet<string>(StringComparer.Ordinal);
        var members = new List<string>();
        foreach (var member in Running)
        {
            string entities;
            try
            {
                var ids = (await ShardsOfAsync(member)).SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal).ToList();
                hosted.UnionWith(ids.Select(ContainerOf));
                entities = $"{ids.Count} entities ({string.Join(" ", ids)})";
            }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException)
            {
                entities = "its shard region did not answer";
            }

            members.Add($"member {member} counts {Runtime(member).Counters.ActiveTails} tails and hosts {entities}");
        }

        var orphans = open.Select(s => $"{s.Namespace}_{s.Pod}_{s.Container}").Where(c => !hosted.Contains(c)).Order(StringComparer.Ordinal);
        return string.Join(", ", members) + $"; {open.Count} log streams open, {twice} of them twice; open with no entity on a running member: [{string.Join(" ", orphans)}]";

        // An entity ID is namespace_pod_container_instance.
        static string ContainerOf(string entityId) => entityId[..entityId.LastIndexOf('_')];
    }

    /// <summary>Leaves the cluster as SIGTERM would (CoordinatedShutdown: hand-off, flush, leave).</summary>
    public async Task StopMemberAsync(int member)
    {
        var host = _members[member]!;
        _members[member] = null;
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
    }

    /// <summary>The delivery judgement for these streams.</summary>
    public DeliveryReport Report(IEnumerable<(string Namespace, string Pod, string Container)> streams) =>
        DeliveryReport.Compare(Kubernetes, Loki, streams);

    private Task WaitUntilAllUpAsync()
    {
        var count = Running.Count();
        return AggregatorUnderTest.Eventually(
            () => Running.All(i => UpMembers(i) == count && MembersKnown(i) == count), $"all {count} running members are Up", 60);
    }

    private int MembersKnown(int member) =>
        Runtime(member).System is { } system ? Akka.Cluster.Cluster.Get(system).State.Members.Count : 0;

    private Task StartMemberAsync(int member) => StartMemberAsync(member, [.. Enumerable.Range(0, _ports.Length)]);

    private async Task StartMemberAsync(int member, int[] seeds)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Aggregator:Mode"] = "cluster",
            ["Aggregator:Cluster:Hostname"] = "127.0.0.1",
            ["Aggregator:Cluster:Port"] = _ports[member].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Aggregator:Cluster:Seeds"] = string.Join(",", seeds.Select(AddressOf)),
            ["Aggregator:Cluster:ReannounceSeconds"] = "0.5",
            ["Aggregator:Cluster:StableAfterSeconds"] = "3",
            ["Aggregator:Cluster:HandOffFlushSeconds"] = "5",
            ["Aggregator:Namespaces"] = "shop",
            ["Aggregator:Kubernetes:Kubeconfig"] = Kubernetes.WriteKubeconfig(Path.Combine(_directory.FullName, $"kubeconfig-{member}")),
            ["Aggregator:Loki:Url"] = Loki.BaseUri.ToString(),
            ["Aggregator:Batch:TimeoutSeconds"] = "0.2",
            ["Aggregator:Loki:RetryMinimumMilliseconds"] = "50",
            ["Aggregator:Loki:RetryMaximumSeconds"] = "0.5",
            ["Aggregator:PodName"] = $"aggregator-{member}",
            ["Aggregator:ShutdownGraceSeconds"] = "15",
            ["Aggregator:Admin:Port"] = "0",
            ["Aggregator:Metrics:Port"] = "0",
            ["Aggregator:Metrics:Address"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("E2E_LOG_LEVEL") ?? "Warning",
        };
        foreach (var (key, value) in _settings)
        {
            overrides[key] = value;
        }

        var configuration = AggregatorHost.Configuration([], overrides);
        var host = AggregatorHost.Build(AggregatorSettings.From(configuration), configuration);
        await host.StartAsync();
        _members[member] = host;
    }

    // Remoting cannot report a port it picked before the seed list is written, so free ports are found first.
    private static int[] ReservePorts(int count) => [.. Enumerable.Range(0, count).Select(_ => LoopbackPorts.Reserve())];

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Running.ToList())
        {
            await StopMemberAsync(member);
        }

        await Loki.DisposeAsync();
        await Kubernetes.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
