using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

public sealed class PushBatchTests
{
    [Fact]
    public void Weight_is_the_sum_of_the_entries_weights()
    {
        var web = Stream("web-0");

        var batch = Batch((web, 1, "abc"), (web, 2, string.Empty), (web, 3, "größe"));

        // UTF-8 bytes of the line ("größe" is 7) and 32 for the entry.
        Assert.Equal((3 + 32) + 32 + (7 + 32), batch.Weight);
        Assert.Equal(35, new LogEntry(web, 1, "abc").Weight);
    }

    [Fact]
    public void Append_adds_entries_after_the_existing_ones_and_their_weight()
    {
        var web = Stream("web-0");
        var batch = Batch((web, 1, "a"));

        var result = batch.Append([new LogEntry(web, 2, "bb"), new LogEntry(web, 3, "ccc")]);

        Assert.Same(batch, result);
        Assert.Equal(["a", "bb", "ccc"], batch.Entries.Select(e => e.Line));
        Assert.Equal(33 + 34 + 35, batch.Weight);
    }

    [Fact]
    public void ByStream_groups_entries_per_stream_in_order_of_first_appearance()
    {
        var web = Stream("web-0");
        var api = Stream("api-0");
        var db = Stream("db-0");
        var batch = Batch((api, 1, "a1"), (web, 2, "w1"), (api, 3, "a2"), (db, 4, "d1"), (web, 5, "w2"));

        var groups = batch.ByStream();

        Assert.Equal([api, web, db], groups.Select(g => g.Stream));
        Assert.Equal(["a1", "a2"], groups[0].Entries.Select(e => e.Line));
        Assert.Equal(["w1", "w2"], groups[1].Entries.Select(e => e.Line));
        Assert.Equal(["d1"], groups[2].Entries.Select(e => e.Line));
    }

    [Fact]
    public void ByStream_merges_distinct_stream_objects_with_equal_labels()
    {
        var first = Stream("web-0");
        var second = Stream("web-0");

        var groups = Batch((first, 1, "x"), (second, 2, "y"), (first, 3, "z")).ByStream();

        var group = Assert.Single(groups);
        Assert.Same(first, group.Stream);
        Assert.Equal(["x", "y", "z"], group.Entries.Select(e => e.Line));
    }

    [Fact]
    public void An_empty_batch_has_no_streams_and_no_weight()
    {
        var batch = new PushBatch(new List<LogEntry>());

        Assert.Empty(batch.ByStream());
        Assert.Equal(0, batch.Weight);
    }
}
