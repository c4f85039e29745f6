using System.Threading.Channels;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Aggregator.Tests.Discovery;
using Akka.Actor;
using Akka.Cluster.Sharding;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// What starts a sharded tail that no <see cref="StartTail"/> started: a hand-off's <see cref="ResumeTail"/> reads
/// the pod and tails; an inspection that reaches a passivated tail passivates it again, reading nothing.
/// </summary>
public sealed class TailEntityWakeTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly LabelSet Labels = LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]);
    private static readonly TailTarget Exited = new(new StreamKey("prod", "web-0", "app"), "containerd://a", Labels);

    // The instance has been replaced: what is left of its log is read through previous=true.
    private static readonly V1Pod Replaced = Pods.Pod(containers: [Pods.Running("app", "containerd://b", previousId: "containerd://a")]);

    [Fact(Timeout = 60000)]
    public async Task A_tail_woken_after_a_hand_off_reads_its_pod_and_tails_the_instance()
    {
        var (api, pipeline, dependencies) = Dependencies();
        // The test actor stands for the shard.
        var entity = ChildActorOf(TailEntity.Props(Exited.TailId, dependencies));

        entity.Tell(new ResumeTail(Exited.TailId));

        var chunk = await pipeline.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(Exited.Stream, chunk.Stream.Key);
        // The pod was read to decide what to tail (the tail may read it again after the drain's first read).
        Assert.True(api.PodReads >= 1, $"{api.PodReads} pod reads");
    }

    [Fact(Timeout = 60000)]
    public async Task An_inspection_that_reaches_a_passivated_tail_passivates_it_again_without_reading_anything()
    {
        var (api, _, dependencies) = Dependencies();
        var entity = ChildActorOf(TailEntity.Props(Exited.TailId, dependencies));

        entity.Tell(new GetTailState(Exited.TailId));

        await ExpectMsgAsync<Passivate>(Wait);
        Assert.Equal(0, api.PodReads);
        Assert.Equal(0, api.LogReads);
    }

    [Fact(Timeout = 60000)]
    public async Task A_start_that_reaches_a_passivating_tail_goes_back_through_the_region_to_its_next_incarnation()
    {
        var region = CreateTestProbe();
        var (_, _, dependencies) = Dependencies(region.Ref);
        var entity = ChildActorOf(TailEntity.Props(Exited.TailId, dependencies));
        entity.Tell(new GetTailState(Exited.TailId));
        await ExpectMsgAsync<Passivate>(Wait);

        var start = new StartTail(Exited, Replaced);
        entity.Tell(start);

        Assert.Same(start, await region.ExpectMsgAsync<StartTail>(Wait));
    }

    [Fact(Timeout = 60000)]
    public async Task A_tail_handed_off_again_while_it_reads_its_pod_after_a_wake_up_wakes_at_the_next_home_too()
    {
        var region = CreateTestProbe();
        var (api, _, dependencies) = Dependencies(region.Ref);
        api.PodAnswer = new TaskCompletionSource<V1Pod?>().Task;
        var entity = ChildActorOf(TailEntity.Props(Exited.TailId, dependencies));
        Watch(entity);
        entity.Tell(new ResumeTail(Exited.TailId));
        await AwaitConditionAsync(() => Task.FromResult(api.PodReads == 1), Wait);

        entity.Tell(StopTailing.Instance);

        Assert.Equal(Exited.TailId, (await region.ExpectMsgAsync<ResumeTail>(Wait)).TailId);
        await ExpectTerminatedAsync(entity, Wait);
    }

    private static (CountingApi Api, ChannelReader<LogChunk> Pipeline, TailEntityDependencies Dependencies) Dependencies(IActorRef? region = null)
    {
        var api = new CountingApi();
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var tail = new TailDependencies(api, pipeline.Writer, new TailSettings(), new BufferBudget(1 << 20), new ShippingCounters(), Positions: null);
        var dependencies = new TailEntityDependencies(
            tail, new DiscoverySettings(), ActorRefs.Nobody, TimeSpan.FromSeconds(5), region is null ? null : () => region);
        return (api, pipeline.Reader, dependencies);
    }

    /// <summary>The replaced pod, and a previous instance's log of one line; counts what is asked of it.</summary>
    private sealed class CountingApi : IPodApi
    {
        private int _podReads;
        private int _logReads;

        public int PodReads => Volatile.Read(ref _podReads);

        public int LogReads => Volatile.Read(ref _logReads);

        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _logReads);
            return Task.FromResult<Stream>(new MemoryStream("2026-11-25T10:00:00.000000000Z crashed\n"u8.ToArray()));
        }

        /// <summary>What pod reads answer; the replaced pod unless set.</summary>
        public Task<V1Pod?> PodAnswer { get; set; } = Task.FromResult<V1Pod?>(Replaced);

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string podName, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _podReads);
            return PodAnswer;
        }
    }
}
