using Aggregator.Actors.Pipeline;
using Xunit;

namespace Aggregator.Tests.Pipeline;

public sealed class LineBlockTests
{
    private static readonly LogStream Web = new(
        new StreamKey("prod", "web-0", "app"),
        LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]));

    private static LogChunk Chunk(byte[] array, int at) =>
        new(Web, [new LogEntry(Web, 1_795_614_119_000_000_000L + at, array.AsMemory(at, 10))]);

    [Fact]
    public void A_small_read_gets_an_ordinary_array_and_no_block()
    {
        var (array, block) = LineBlock.Take(LineBlock.PooledFrom - 1);

        Assert.Null(block);
        Assert.Equal(LineBlock.PooledFrom - 1, array.Length);
        Assert.Empty(LineBlock.Take(0).Array);
    }

    [Fact]
    public void A_read_of_the_size_HTTP11_hands_a_busy_tail_is_pooled()
    {
        // About 8 KiB of text a read at full speed: those are the lines that wait for Loki long enough to be promoted.
        var (array, block) = LineBlock.Take((8 * 1024) - 100);

        Assert.NotNull(block);
        block.Unused();
        Assert.True(array.Length >= (8 * 1024) - 100);
    }

    [Fact]
    public void A_block_goes_back_only_when_the_last_chunk_holding_it_is_released()
    {
        var (array, block) = LineBlock.Take(LineBlock.PooledFrom);
        Assert.NotNull(block);
        Assert.True(array.Length >= LineBlock.PooledFrom);
        List<LogChunk> chunks = [Chunk(array, 0), Chunk(array, 10), Chunk(array, 20)];

        block.HeldBy(chunks);
        Assert.All(chunks, chunk => Assert.Same(block, chunk.Block));
        chunks[1].Block!.Release();
        chunks[0].Block!.Release();
        Assert.False(block.Returned);
        chunks[2].Block!.Release();

        Assert.True(block.Returned);
        // A further release would give one array to two reads.
        Assert.Throws<InvalidOperationException>(block.Release);
    }

    [Fact]
    public void A_block_whose_lines_all_were_skipped_goes_back_at_once()
    {
        var (_, block) = LineBlock.Take(LineBlock.PooledFrom * 2);

        block!.Unused();

        Assert.True(block.Returned);
    }
}
