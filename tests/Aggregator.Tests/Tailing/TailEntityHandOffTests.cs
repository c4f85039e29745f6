using System.Threading.Channels;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Aggregator.Tests.Discovery;
using Akka.Actor;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// A sharded tail handed off with its instance's log still to read wakes itself at the shard's next home: the
/// watchers announce only running instances again, and an exited one's drain would otherwise be left unread.
/// </summary>
public sealed class TailEntityHandOffTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly LabelSet Labels = LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]);
    private static readonly TailTarget Draining = new(new StreamKey("prod", "web-0", "app"), "containerd://a", Labels);

    // The instance has been replaced: its tail drains it through previous=true.
    private static readonly V1Pod Replaced = Pods.Pod(containers: [Pods.Running("app", "containerd://b", previousId: "containerd://a")]);

    [Fact(Timeout = 60000)]
    public async Task A_tail_handed_off_mid_drain_wakes_itself_through_the_region_once_its_lines_are_acknowledged()
    {
        var region = CreateTestProbe();
        var positions = CreateTestProbe();
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var tail = new TailDependencies(
            new EndlessDrain(Replaced), pipeline.Writer, new TailSettings(), new BufferBudget(1 << 20), new ShippingCounters(), Positions: null);
        var dependencies = new TailEntityDependencies(tail, new DiscoverySettings(), positions.Ref, TimeSpan.FromSeconds(5), () => region.Ref);
        // The test actor stands for the shard, which sends the hand-off's stop message.
        var entity = ChildActorOf(TailEntity.Props(Draining.TailId, dependencies));
        Watch(entity);
        entity.Tell(new StartTail(Draining, Replaced));
        // The drain has read its first line, which is what the hand-off waits to see acknowledged.
        await pipeline.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        entity.Tell(StopTailing.Instance);

        var awaited = await positions.ExpectMsgAsync<AwaitShipped>(Wait);
        Assert.Equal(Labels.Rendered, awaited.Labels);
        // No wake-up before Loki has acknowledged what was read: the next owner resumes after it.
        await region.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        positions.Reply(new ShippedUpTo(true));

        var wakeUp = await region.ExpectMsgAsync<ResumeTail>(Wait);
        Assert.Equal(Draining.TailId, wakeUp.TailId);
        await ExpectTerminatedAsync(entity, Wait);
    }

    /// <summary>A previous instance's log that sends a line and then nothing more until the request is given up.</summary>
    private sealed class EndlessDrain(V1Pod pod) : IPodApi
    {
        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<Stream>(new BlockingStream("2026-11-25T10:00:00.000000000Z crashed\n"u8.ToArray()));

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string podName, CancellationToken cancellationToken) => Task.FromResult<V1Pod?>(pod);
    }
}
