using System.Threading.Channels;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// A tail that starts by asking Loki where its stream ends asks only within its own instance's lifetime, and decides
/// what to open from the pod as it is once Loki has answered, not as it was when the tail was started.
/// </summary>
public sealed class ContainerTailStartTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly DateTime OldStart = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime OldEnd = new(2026, 11, 25, 9, 30, 0, DateTimeKind.Utc);
    private static readonly DateTime NewStart = new(2026, 11, 25, 9, 30, 1, DateTimeKind.Utc);
    private static readonly TailTarget First = new(
        new StreamKey("prod", "web-0", "app"), "containerd://a", LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]));

    private static readonly V1Pod FirstRunning = PodWith(new V1ContainerStatus
    {
        Name = "app",
        ContainerID = "containerd://a",
        Image = "busybox",
        ImageID = "sha256:1",
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = OldStart } },
        LastState = new V1ContainerState(),
    });

    // The first instance exited at 9:30:00 and the next started a second later.
    private static readonly V1Pod Replaced = PodWith(new V1ContainerStatus
    {
        Name = "app",
        ContainerID = "containerd://b",
        Image = "busybox",
        ImageID = "sha256:1",
        RestartCount = 1,
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = NewStart } },
        LastState = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated { ContainerID = "containerd://a", ExitCode = 1, StartedAt = OldStart, FinishedAt = OldEnd },
        },
    });

    [Fact(Timeout = 60000)]
    public async Task A_replaced_instance_asks_Loki_only_up_to_where_the_next_one_started()
    {
        var positions = new RecordingPositions();
        var api = new EmptyLogs(Replaced);

        await RunUntilStoppedAsync(First, Replaced, api, positions, new TailSettings());

        var (from, to) = Assert.Single(positions.Asked);
        Assert.Equal(Nanos(OldStart.AddSeconds(-2)), from);
        // Not 9:30:02, the finish's second and two more: the next instance's first lines are in that window.
        Assert.Equal(Nanos(NewStart), to);
        Assert.True(Assert.Single(api.Requests).Previous);
    }

    [Fact(Timeout = 60000)]
    public async Task A_tail_whose_pod_moved_on_while_Loki_was_asked_decides_from_the_pod_as_it_is_then()
    {
        // Started while the first instance ran; by the time Loki has answered, it has been replaced.
        var api = new EmptyLogs(Replaced);

        await RunUntilStoppedAsync(First, FirstRunning, api, new RecordingPositions(), new TailSettings { StalePodAfter = TimeSpan.Zero });

        // A follow request would have read the next instance's log as the first one's.
        var request = Assert.Single(api.Requests);
        Assert.True(request.Previous);
        Assert.False(request.Follow);
    }

    private static long Nanos(DateTime time) => (time - DateTime.UnixEpoch).Ticks * 100;

    private static V1Pod PodWith(V1ContainerStatus status) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "prod" },
            Status = new V1PodStatus { Phase = "Running", ContainerStatuses = [status] },
        };

    private async Task RunUntilStoppedAsync(TailTarget target, V1Pod startedWith, EmptyLogs api, IStreamPositions positions, TailSettings settings)
    {
        var dependencies = new TailDependencies(
            api, Channel.CreateUnbounded<LogChunk>().Writer, settings, new BufferBudget(1 << 20), new ShippingCounters(), positions);
        var tail = Sys.ActorOf(ContainerTail.Props(target, startedWith, dependencies));
        Watch(tail);
        await ExpectTerminatedAsync(tail, Wait);
    }

    /// <summary>Loki holding nothing for the stream; records the windows it was asked about.</summary>
    private sealed class RecordingPositions : IStreamPositions
    {
        public List<(long From, long To)> Asked { get; } = [];

        public Task<long?> NewestTimestampAsync(LabelSet labels, long fromNanos, long toNanos, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add((fromNanos, toNanos));
            }

            return Task.FromResult<long?>(null);
        }
    }

    /// <summary>Every log is empty (a drain then ends at once); the pod is as given.</summary>
    private sealed class EmptyLogs(V1Pod pod) : IPodApi
    {
        public List<PodLogRequest> Requests { get; } = [];

        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            return Task.FromResult<Stream>(new MemoryStream());
        }

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string podName, CancellationToken cancellationToken) => Task.FromResult<V1Pod?>(pod);
    }
}
