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

    [Theory]
    [InlineData(3 * 1024)]
    [InlineData((8 * 1024) - 100)]
    public void A_read_of_the_sizes_HTTP11_hands_a_busy_tail_is_pooled(int bytes)
    {
        // A chunk's first few KiB come through the connection's buffer, the rest in a read of its own: at full speed
        // both are lines that wait for Loki long enough to be promoted.
        var (array, block) = LineBlock.Take(bytes);

        Assert.NotNull(block);
        block.Unused();
        Assert.True(array.Length >= bytes);
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

    [Fact]
    public void A_reads_entry_list_goes_back_with_its_block_emptied_and_not_before()
    {
        var (array, block) = LineBlock.Take(LineBlock.PooledFrom);
        var entries = block!.EntryList(2);
        entries.Add(new LogEntry(Web, 1_795_614_119_000_000_000L, array.AsMemory(0, 10)));
        entries.Add(new LogEntry(Web, 1_795_614_119_000_000_001L, array.AsMemory(10, 10)));
        var chunk = new LogChunk(Web, entries);

        block.HeldBy([chunk]);
        Assert.Equal(2, chunk.Entries.Count);
        chunk.Block!.Release();

        // Emptied for the next read, so that the pool holds no text alive; the settled chunk still says what it held.
        Assert.Empty(entries);
        Assert.Equal(2, chunk.Count);
    }

    [Fact]
    public void A_held_entry_list_is_never_handed_to_another_read()
    {
        var (_, first) = LineBlock.Take(LineBlock.PooledFrom);
        var held = first!.EntryList(1);
        held.Add(new LogEntry(Web, 1_795_614_119_000_000_000L, new byte[1]));
        first.HeldBy([new LogChunk(Web, held)]);

        var (_, second) = LineBlock.Take(LineBlock.PooledFrom);
        var other = second!.EntryList(1);

        Assert.NotSame(held, other);
        Assert.Single(held);
        second.Unused();
        first.Release();
    }

    [Fact]
    public void A_read_cut_into_several_chunks_gives_its_list_back_at_once_and_the_chunks_keep_theirs()
    {
        var (array, block) = LineBlock.Take(LineBlock.PooledFrom);
        var entries = block!.EntryList(3);
        for (var i = 0; i < 3; i++)
        {
            entries.Add(new LogEntry(Web, 1_795_614_119_000_000_000L + i, array.AsMemory(i * 10, 10)));
        }

        List<LogChunk> chunks = [];
        LogChunk.Cut(Web, entries, maxLines: 2, maxWeight: long.MaxValue, chunks);

        block.HeldBy(chunks);

        Assert.Empty(entries);
        Assert.Equal([2, 1], chunks.Select(chunk => chunk.Entries.Count));
        Assert.False(block.Returned);
        chunks.ForEach(chunk => chunk.Block!.Release());
        Assert.True(block.Returned);
    }
}
