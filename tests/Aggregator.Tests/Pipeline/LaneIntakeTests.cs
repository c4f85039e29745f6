using Aggregator.Actors.Pipeline;
using static Aggregator.Tests.Loki.LokiTestData;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class LaneIntakeTests
{
    [Fact]
    public void A_lane_hands_its_graph_a_batch_only_once_it_is_whole_or_the_intake_completes()
    {
        var settings = new PipelineSettings { BatchSize = 3, BatchTimeout = TimeSpan.FromMinutes(5), Lanes = 1 };
        using var intake = new LaneIntake(settings);
        var lane = intake.Lanes[0];

        Assert.True(intake.TryWrite(Chunk("a")));
        Assert.True(intake.TryWrite(Chunk("b")));
        // Nothing for the graph to wake for yet: at a trickle, lines wait in the intake for the tick, not in the graph.
        Assert.False(lane.TryRead(out _));

        Assert.True(intake.TryWrite(Chunk("c")));
        Assert.True(lane.TryRead(out var whole));
        Assert.Equal(["a", "b", "c"], LinesOf(whole));

        Assert.True(intake.TryWrite(Chunk("d")));
        Assert.True(intake.TryComplete());
        Assert.True(lane.TryRead(out var rest));
        Assert.Equal(["d"], LinesOf(rest));
        Assert.True(lane.Completion.IsCompleted);
        Assert.False(intake.TryWrite(Chunk("e")));
    }

    [Fact(Timeout = 10000)]
    public async Task Every_batch_timeout_one_tick_sends_every_lanes_partial_batch_on()
    {
        var settings = new PipelineSettings { BatchSize = 1000, BatchTimeout = TimeSpan.FromMilliseconds(200), Lanes = 4 };
        using var intake = new LaneIntake(settings);
        var streams = Enumerable.Range(0, 40).Select(i => Stream($"pod-{i}")).ToArray();
        var expected = streams.GroupBy(stream => LaneIntake.LaneOf(new LogChunk(stream, []), settings.Lanes)).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(expected.Count > 1, "the streams all took one lane");

        foreach (var stream in streams)
        {
            Assert.True(intake.TryWrite(Chunk(stream, "a")));
        }

        // Every lane that holds lines gets them without another write to close its batch: in one partial batch, or two
        // if the tick fell among the writes.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var (lane, count) in expected)
        {
            var read = 0;
            while (read < count)
            {
                read += (await intake.Lanes[lane].ReadAsync(wait.Token)).Sum(chunk => chunk.Count);
            }

            Assert.Equal(count, read);
        }
    }
}
