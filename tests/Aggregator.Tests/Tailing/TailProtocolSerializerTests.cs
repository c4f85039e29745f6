using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Sharding;
using Aggregator.Actors.Tailing;
using Akka.Actor;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>A tail's state crosses between members for <c>ctl tails</c>: it reads back as it was written.</summary>
public sealed class TailProtocolSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer");

    public void Dispose() => _system.Dispose();

    [Fact]
    public void A_tail_state_reads_back_as_it_was_written()
    {
        var serializer = new TailProtocolSerializer((ExtendedActorSystem)_system);
        var target = new TailTarget(
            new StreamKey("shop", "web-1", "app"), "containerd://abc123",
            LabelSet.Create([new KeyValuePair<string, string?>("namespace", "shop"), new KeyValuePair<string, string?>("app", "web")]))
        {
            DroppedLabels = ["too_many"],
        };
        var state = new TailState(target, "following", 42, 4096, 1_700_000_000_123_456_789, 2, "the log stream ended");

        var read = Assert.IsType<TailState>(serializer.FromBinary(serializer.ToBinary(state), serializer.Manifest(state)));

        Assert.Equal(state with { Target = read.Target }, read);
        Assert.Equal(target.Stream, read.Target.Stream);
        Assert.Equal(target.ContainerId, read.Target.ContainerId);
        Assert.Equal(target.Labels.Rendered, read.Target.Labels.Rendered);
        Assert.Equal(target.DroppedLabels, read.Target.DroppedLabels);
    }

    [Fact]
    public void The_tail_id_messages_read_back_as_they_were_written()
    {
        var serializer = new TailProtocolSerializer((ExtendedActorSystem)_system);
        object[] messages = [new GetTailState("shop/web-1/app/containerd://abc"), new ResumeTail("shop/web-1/app/containerd://abc"), StopTailing.Instance];

        foreach (var message in messages)
        {
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));
        }
    }
}
