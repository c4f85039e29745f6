using Aggregator.Actors.Pipeline;
using static Aggregator.Tests.Loki.LokiTestData;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class PendingBatchTests
{
    [Fact]
    public void A_batch_is_full_at_batch_size_lines_and_a_chunk_that_does_not_fit_closes_it()
    {
        var batch = new PendingBatch(batchSize: 3, maxBytes: 1024 * 1024);

        Assert.Null(batch.Add(Chunk("a", "b")));
        Assert.False(batch.IsFull);
        var closed = batch.Add(Chunk("c", "d"));

        Assert.Equal(["a", "b"], LinesOf(closed!));
        Assert.Null(batch.Add(Chunk("e")));
        Assert.True(batch.IsFull);
        Assert.Equal(["c", "d", "e"], LinesOf(batch.Take()));
        Assert.True(batch.IsEmpty);
    }

    [Fact]
    public void A_batch_is_full_at_the_byte_limit()
    {
        // Each entry weighs 4 + 32 = 36: three make 108.
        var batch = new PendingBatch(batchSize: 1000, maxBytes: 108);

        batch.Add(Chunk("ab00", "ab01"));
        Assert.False(batch.IsFull);
        batch.Add(Chunk("ab02"));

        Assert.True(batch.IsFull);
        Assert.Equal(108, batch.Take().Sum(c => c.Weight));
    }

    [Fact]
    public void A_chunk_heavier_than_a_batch_goes_alone()
    {
        var batch = new PendingBatch(batchSize: 1000, maxBytes: 100);
        batch.Add(Chunk("a"));

        var closed = batch.Add(Chunk(new string('h', 200)));

        Assert.Equal(["a"], LinesOf(closed!));
        Assert.True(batch.IsFull);
        Assert.Equal([new string('h', 200)], LinesOf(batch.Take()));
    }
}
