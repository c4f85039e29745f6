using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Aggregator.Tests.Discovery;
using Aggregator.Tests.Pipeline;
using Akka.Actor;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// A tail that crashes is started again after a backoff by its parent — the node's registry or, in cluster mode,
/// its sharding entity — and the other tails run on.
/// </summary>
public sealed class TailCrashTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly TailSettings Settings = new()
    {
        ReopenMinimum = TimeSpan.FromMilliseconds(1),
        ReopenMaximum = TimeSpan.FromMilliseconds(5),
        CrashRestartMinimum = TimeSpan.FromMilliseconds(400),
        CrashRestartMaximum = TimeSpan.FromSeconds(5),
    };

    private static readonly LabelSet Labels = LabelSet.Create([new("namespace", "prod"), new("pod", "web-0")]);
    private static readonly TailTarget Crashy = new(new StreamKey("prod", "web-0", "crashy"), "containerd://c1", Labels);
    private static readonly TailTarget Steady = new(new StreamKey("prod", "web-0", "steady"), "containerd://s1", Labels);
    private static readonly V1Pod Pod =
        Pods.Pod(name: "web-0", containers: [Pods.Running("crashy", "containerd://c1"), Pods.Running("steady", "containerd://s1")]);

    /// <summary>
    /// An API with a bug: the first time the "crashy" container's pod is looked at, the call throws where it is made
    /// instead of returning a failed task, which crashes the tail. Its first log request ends at once (so that the
    /// tail looks at its pod); every other request sends a line and then waits, like a quiet container.
    /// </summary>
    private sealed class BuggyPodApi(V1Pod pod) : IPodApi
    {
        private int _podReads;

        public ConcurrentDictionary<string, int> Opens { get; } = new();

        public ConcurrentQueue<long> CrashyOpenedAt { get; } = new();

        public long CrashedAt { get; private set; }

        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
        {
            var opens = Opens.AddOrUpdate(request.Container, 1, (_, n) => n + 1);
            if (request.Container == "crashy")
            {
                CrashyOpenedAt.Enqueue(Stopwatch.GetTimestamp());
                if (opens == 1)
                {
                    return Task.FromResult<Stream>(new MemoryStream());
                }
            }

            return Task.FromResult<Stream>(new BlockingStream("2026-11-25T10:00:00.000000000Z started\n"u8.ToArray()));
        }

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string podName, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _podReads) == 1)
            {
                CrashedAt = Stopwatch.GetTimestamp();
                throw new InvalidOperationException("a bug in the API client");
            }

            return Task.FromResult<V1Pod?>(pod);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task A_crashed_tail_is_started_again_after_the_backoff_and_the_other_tails_are_left_alone()
    {
        var api = new BuggyPodApi(Pod);
        var counters = new ShippingCounters();
        var tails = Sys.ActorOf(ContainerTails.Props(Dependencies(api, counters)));

        tails.Tell(new StartTail(Crashy, Pod));
        tails.Tell(new StartTail(Steady, Pod));

        await RestartedAfterBackoff(api);
        await AwaitAssertAsync(() => Assert.Equal(2, counters.ActiveTails), Wait);
        var states = await tails.Ask<TailStates>(GetTailStates.Instance, Wait);
        Assert.Equal([Crashy.TailId, Steady.TailId], states.Tails.Select(s => s.Target.TailId));
        // The steady tail's stream was opened once: the crash next to it did not restart it.
        Assert.Equal(1, api.Opens["steady"]);
    }

    [Fact(Timeout = 60000)]
    public async Task A_sharded_tail_that_crashed_is_started_again_by_its_entity_which_does_not_passivate()
    {
        var api = new BuggyPodApi(Pod);
        var counters = new ShippingCounters();
        var entities = new TailEntityDependencies(Dependencies(api, counters), new DiscoverySettings(), ActorRefs.Nobody, TimeSpan.FromSeconds(1));
        // The test actor stands for the shard: a passivating entity would ask it to be stopped.
        var entity = ChildActorOf(TailEntity.Props(Crashy.TailId, entities));

        entity.Tell(new StartTail(Crashy, Pod));

        await RestartedAfterBackoff(api);
        await AwaitAssertAsync(() => Assert.Equal(1, counters.ActiveTails), Wait);
        var state = await entity.Ask<TailState>(new GetTailState(Crashy.TailId), Wait);
        Assert.Equal("following", state.Phase);
        // A tail that finished passivates its entity; one that crashed must not.
        Assert.False(HasMessages);
    }

    [Fact(Timeout = 60000)]
    public async Task A_crashed_tail_waiting_to_start_again_is_shown_with_its_crash_by_the_registry_and_by_its_entity()
    {
        // A backoff long enough to ask while it lasts.
        var waitLong = Settings with { CrashRestartMinimum = TimeSpan.FromMinutes(2), CrashRestartMaximum = TimeSpan.FromMinutes(4) };
        var counters = new ShippingCounters();
        var api = new BuggyPodApi(Pod);
        var entityApi = new BuggyPodApi(Pod);
        var tails = Sys.ActorOf(ContainerTails.Props(Dependencies(api, counters, waitLong)));
        var entity = ChildActorOf(TailEntity.Props(Crashy.TailId, new TailEntityDependencies(
            Dependencies(entityApi, counters, waitLong), new DiscoverySettings(), ActorRefs.Nobody, TimeSpan.FromSeconds(1))));

        tails.Tell(new StartTail(Crashy, Pod));
        entity.Tell(new StartTail(Crashy, Pod));
        // Both crashed, and both stopped by their parents.
        await AwaitAssertAsync(() => Assert.True(api.CrashedAt != 0 && entityApi.CrashedAt != 0), Wait);
        await AwaitAssertAsync(() => Assert.Equal(0, counters.ActiveTails), Wait);

        var listed = Assert.Single((await tails.Ask<TailStates>(GetTailStates.Instance, Wait)).Tails);
        var asked = await entity.Ask<TailState>(new GetTailState(Crashy.TailId), Wait);
        foreach (var state in new[] { listed, asked })
        {
            Assert.Equal(Crashy.TailId, state.Target.TailId);
            Assert.Equal("crashed (1 in a row), starting again", state.Phase);
            Assert.Equal("crashed: a bug in the API client", state.LastError);
        }
    }

    [Theory(Timeout = 60000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_crashed_tail_waiting_to_start_again_keeps_its_namespaces_series_until_its_parent_lets_it_go(bool sharded)
    {
        var waitLong = Settings with { CrashRestartMinimum = TimeSpan.FromMinutes(2), CrashRestartMaximum = TimeSpan.FromMinutes(4) };
        var clock = new ManualClock();
        var counters = new ShippingCounters();
        counters.ExpireIdleNamespacesAfter(TimeSpan.FromMinutes(10), clock);
        var api = new BuggyPodApi(Pod);
        var parent = sharded
            ? ChildActorOf(TailEntity.Props(Crashy.TailId, new TailEntityDependencies(
                Dependencies(api, counters, waitLong), new DiscoverySettings(), ActorRefs.Nobody, TimeSpan.FromSeconds(1))))
            : Sys.ActorOf(ContainerTails.Props(Dependencies(api, counters, waitLong)));

        parent.Tell(new StartTail(Crashy, Pod));
        await AwaitAssertAsync(() => Assert.True(api.CrashedAt != 0), Wait);
        await AwaitAssertAsync(() => Assert.Equal(0, counters.ActiveTails), Wait);
        clock.Advance(TimeSpan.FromHours(1));

        // No tail runs, but one waits to start again: the namespace is still tailed.
        Assert.Empty(counters.ExpireIdleNamespaces());

        Watch(parent);
        Sys.Stop(parent);
        await ExpectTerminatedAsync(parent);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["prod"], counters.ExpireIdleNamespaces());
    }

    private static TailDependencies Dependencies(IPodApi api, ShippingCounters counters, TailSettings? settings = null) =>
        new(api, Channel.CreateUnbounded<LogChunk>().Writer, settings ?? Settings, new BufferBudget(1 << 20), counters, Positions: null);

    private async Task RestartedAfterBackoff(BuggyPodApi api)
    {
        await AwaitAssertAsync(() => Assert.Equal(2, api.CrashyOpenedAt.Count), Wait);
        // At least half the shortest backoff (its jitter's floor) passed between the crash and the new tail's request.
        Assert.True(Stopwatch.GetElapsedTime(api.CrashedAt, api.CrashyOpenedAt.Last()) >= TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, api.Opens["crashy"]);
    }
}
