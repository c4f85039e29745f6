using Aggregator.Simulation.Loki;
using Xunit;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class EntryKeysTests
{
    [Fact]
    public void Keys_past_several_chunks_come_back_in_order_and_are_found()
    {
        // Three keys a timestamp, so that runs of equal timestamps straddle the chunk boundaries (8,192 keys each).
        var keys = new EntryKeys();
        const int Count = 30_000;
        for (var i = 0; i < Count; i++)
        {
            keys.Add((i / 3, (ulong)i));
        }

        Assert.Equal(Count, keys.Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => ((long)(i / 3), (ulong)i)), keys);
        foreach (var i in new[] { 0, 1, 8_190, 8_191, 8_192, 8_193, 16_383, 16_384, 24_575, 24_576, Count - 1 })
        {
            Assert.True(keys.HoldsSorted((i / 3, (ulong)i)), $"key {i}");
            Assert.Equal((i / 3, (ulong)i), keys[i]);
        }

        // The right timestamp with a hash not held under it, a timestamp between, and one after the last.
        Assert.False(keys.HoldsSorted((8_192 / 3, 1UL)));
        Assert.False(keys.HoldsSorted((Count, 0UL)));
        Assert.False(keys.HoldsSorted((-1, 0UL)));
    }

    [Fact]
    public void An_empty_store_holds_nothing()
    {
        var keys = new EntryKeys();

        Assert.Empty(keys);
        Assert.False(keys.HoldsSorted((0, 0UL)));
    }
}
