using Aggregator.Actors.Loki;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

public sealed class PushQueueTests
{
    // A line "web-0 line 0" is 12 bytes and weighs 12 + 32.
    private const int EntryWeight = 44;

    private static PushQueue<string> Queue(int batchSize = 100, long maxBytes = 1 << 20) => new(batchSize, maxBytes);

    [Fact]
    public void With_nothing_in_flight_a_small_batch_goes_at_once()
    {
        var queue = Queue();
        var batch = Lines("web-0", 1);
        queue.Add(batch, "lane-0");

        var request = queue.TryTake(anyInFlight: false, heldLongEnough: false);

        Assert.NotNull(request);
        Assert.Same(batch, request.Batch);
        Assert.Equal("lane-0", Assert.Single(request.Members).Lane);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Small_batches_wait_while_a_request_is_in_flight_and_then_go_together()
    {
        var queue = Queue();
        for (var lane = 0; lane < 5; lane++)
        {
            queue.Add(Lines($"web-{lane}", 3), $"lane-{lane}");
        }

        Assert.Null(queue.TryTake(anyInFlight: true, heldLongEnough: false));
        Assert.Equal(5, queue.Count);

        var request = queue.TryTake(anyInFlight: false, heldLongEnough: false);

        Assert.NotNull(request);
        Assert.Equal(["lane-0", "lane-1", "lane-2", "lane-3", "lane-4"], request.Members.Select(m => m.Lane));
        Assert.Equal(15, request.Batch.Count);
        Assert.Equal(request.Members.Sum(m => m.Batch.Weight), request.Batch.Weight);
        Assert.Equal(
            request.Members.SelectMany(m => m.Batch.Entries).Select(e => e.Line),
            request.Batch.Entries.Select(e => e.Line));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Small_batches_held_long_enough_go_even_while_a_request_is_in_flight()
    {
        var queue = Queue();
        queue.Add(Lines("web-0", 3), "lane-0");
        queue.Add(Lines("web-1", 3), "lane-1");

        var request = queue.TryTake(anyInFlight: true, heldLongEnough: true);

        Assert.NotNull(request);
        Assert.Equal(6, request.Batch.Count);
    }

    [Theory]
    [InlineData(50, 1 << 20, true)] // half the lines a request may carry
    [InlineData(25, 50 * EntryWeight, true)] // half the bytes
    [InlineData(10, 1 << 20, false)]
    public void A_batch_half_full_goes_at_once_while_another_request_is_in_flight(int lines, long maxBytes, bool goes)
    {
        var queue = Queue(batchSize: 100, maxBytes: maxBytes);
        queue.Add(Lines("web-0", lines), "lane-0");

        var request = queue.TryTake(anyInFlight: true, heldLongEnough: false);

        Assert.Equal(goes, request is not null);
    }

    [Fact]
    public void When_more_waits_than_one_request_carries_the_oldest_go_and_the_rest_wait()
    {
        var queue = Queue(batchSize: 10);
        queue.Add(Lines("web-0", 4), "lane-0");
        queue.Add(Lines("web-1", 4), "lane-1");
        queue.Add(Lines("web-2", 4), "lane-2");
        queue.Add(Lines("web-3", 2), "lane-3");

        var request = queue.TryTake(anyInFlight: true, heldLongEnough: false);

        // lane-2's batch does not fit beside the first two; lane-3's does.
        Assert.NotNull(request);
        Assert.Equal(["lane-0", "lane-1", "lane-3"], request.Members.Select(m => m.Lane));
        Assert.Equal(10, request.Batch.Count);
        Assert.Equal(1, queue.Count);
        Assert.Null(queue.TryTake(anyInFlight: true, heldLongEnough: false));
        Assert.Equal("lane-2", Assert.Single(queue.TryTake(anyInFlight: false, heldLongEnough: false)!.Members).Lane);
    }

    [Fact]
    public void Batches_are_combined_only_while_their_bytes_fit_one_request()
    {
        var queue = Queue(batchSize: 1000, maxBytes: 5 * EntryWeight);
        queue.Add(Lines("web-0", 2), "lane-0");
        queue.Add(Lines("web-1", 2), "lane-1");
        queue.Add(Lines("web-2", 2), "lane-2");

        var first = queue.TryTake(anyInFlight: false, heldLongEnough: false);
        var second = queue.TryTake(anyInFlight: false, heldLongEnough: false);

        Assert.Equal(4 * EntryWeight, first!.Batch.Weight);
        Assert.Equal(["lane-0", "lane-1"], first.Members.Select(m => m.Lane));
        Assert.Equal("lane-2", Assert.Single(second!.Members).Lane);
    }

    [Fact]
    public void A_batch_larger_than_a_request_goes_alone_rather_than_never()
    {
        var queue = Queue(batchSize: 10);
        queue.Add(Lines("web-0", 25), "lane-0");
        queue.Add(Lines("web-1", 1), "lane-1");

        var request = queue.TryTake(anyInFlight: true, heldLongEnough: false);

        Assert.Equal(25, request!.Batch.Count);
        Assert.Equal("lane-0", Assert.Single(request.Members).Lane);
    }
}
