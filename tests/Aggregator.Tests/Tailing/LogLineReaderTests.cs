using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class LogLineReaderTests
{
    private const string Ts1 = "2026-11-25T13:41:59.034086826Z";
    private const string Ts2 = "2026-11-25T13:41:59.034090001Z";
    private const string Ts3 = "2026-11-25T13:41:59.034095002Z";
    private const long Nanos1 = 1_795_614_119_034_086_826L;
    private const long Nanos2 = 1_795_614_119_034_090_001L;

    private static async Task<(List<KubeletLine> Lines, int Unfinished)> ReadAll(
        byte[] body, int maxChunk = 7, int initialBufferBytes = 64 * 1024)
    {
        using var reader = new LogLineReader(new TrickleStream(body, maxChunk), initialBufferBytes: initialBufferBytes);
        var lines = new List<KubeletLine>();
        var calls = 0;
        while (await reader.ReadLinesAsync(lines, CancellationToken.None))
        {
            Assert.True(++calls < 1_000_000, "the reader never reached the end of the body");
        }

        return (lines, reader.UnfinishedBytes);
    }

    private static Task<(List<KubeletLine> Lines, int Unfinished)> ReadAll(string body, int maxChunk = 7) =>
        ReadAll(Encoding.UTF8.GetBytes(body), maxChunk);

    [Fact(Timeout = 30000)]
    public async Task Compacted_between_reads_the_reader_keeps_only_the_unfinished_line_and_reads_on_with_its_former_buffer()
    {
        var pipe = new Pipe();
        using var reader = new LogLineReader(pipe.Reader.AsStream(), initialBufferBytes: 8 * 1024);
        var lines = new List<KubeletLine>();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes($"{Ts1} first line\n{Ts2} second li"));

        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.Equal(8 * 1024, reader.HeldBufferBytes);
        reader.Compact();
        Assert.InRange(reader.HeldBufferBytes, $"{Ts2} second li".Length, 64);

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("ne\n"));
        await pipe.Writer.CompleteAsync();
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.Equal(8 * 1024, reader.HeldBufferBytes);
        Assert.Equal([new KubeletLine(Nanos1, "first line", hadTimestamp: true), new KubeletLine(Nanos2, "second line", hadTimestamp: true)], lines);
    }

    [Fact(Timeout = 30000)]
    public async Task Compacting_after_every_read_changes_no_line()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            body.Append(KubeletTimestamp.Format(Nanos1 + i)).Append(" line number ").Append(i).Append(' ', i % 37).Append('\n');
        }

        using var reader = new LogLineReader(new TrickleStream(Encoding.UTF8.GetBytes(body.ToString()), maxChunk: 97), initialBufferBytes: 64);
        var lines = new List<KubeletLine>();
        while (await reader.ReadLinesAsync(lines, CancellationToken.None))
        {
            reader.Compact();
        }

        Assert.Equal(200, lines.Count);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(new KubeletLine(Nanos1 + i, $"line number {i}" + new string(' ', i % 37), hadTimestamp: true), lines[i]);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Lines_split_across_reads_of_one_to_seven_bytes_come_out_whole()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            body.Append(KubeletTimestamp.Format(Nanos1 + i)).Append(" line number ").Append(i).Append('\n');
        }

        var (lines, unfinished) = await ReadAll(body.ToString());

        Assert.Equal(50, lines.Count);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(new KubeletLine(Nanos1 + i, $"line number {i}", hadTimestamp: true), lines[i]);
        }

        Assert.Equal(0, unfinished);
    }

    [Fact(Timeout = 30000)]
    public async Task The_lines_of_one_read_share_one_block_holding_just_their_text()
    {
        using var reader = new LogLineReader(new MemoryStream(Encoding.UTF8.GetBytes($"{Ts1} first\n{Ts2} second line\n{Ts3} third\n")));
        var lines = new List<KubeletLine>();

        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));

        Assert.Equal(3, lines.Count);

        var blocks = lines.Select(line => Assert.IsType<byte[]>(MemoryMarshal.TryGetArray(line.Utf8, out var segment) ? segment.Array : null)).Distinct().ToList();
        var block = Assert.Single(blocks);
        Assert.Equal("firstsecond linethird", Encoding.UTF8.GetString(block));
    }

    [Fact(Timeout = 30000)]
    public async Task A_line_ending_in_crlf_loses_the_carriage_return()
    {
        var (lines, _) = await ReadAll($"{Ts1} windows line\r\n{Ts2} unix line\n");

        Assert.Equal([new KubeletLine(Nanos1, "windows line", true), new KubeletLine(Nanos2, "unix line", true)], lines);
    }

    [Fact(Timeout = 30000)]
    public async Task A_final_fragment_without_newline_is_not_returned_and_is_counted_as_unfinished()
    {
        var (lines, unfinished) = await ReadAll($"{Ts1} whole\n{Ts2} cut in the mid");

        Assert.Equal([new KubeletLine(Nanos1, "whole", true)], lines);
        Assert.Equal(Encoding.UTF8.GetByteCount($"{Ts2} cut in the mid"), unfinished);
    }

    [Fact(Timeout = 30000)]
    public async Task An_empty_body_gives_no_lines()
    {
        var (lines, unfinished) = await ReadAll(string.Empty);

        Assert.Empty(lines);
        Assert.Equal(0, unfinished);
    }

    [Fact(Timeout = 30000)]
    public async Task Invalid_utf8_is_replaced_but_the_line_is_kept()
    {
        var bytes = Encoding.UTF8.GetBytes($"{Ts1} bad ").Concat(new byte[] { 0xFF, 0xC3 }).Concat(Encoding.UTF8.GetBytes(" end\n")).ToArray();

        var (lines, _) = await ReadAll(bytes);

        var line = Assert.Single(lines);
        Assert.Equal(Nanos1, line.TimestampNanos);
        Assert.True(line.HadTimestamp);
        Assert.Equal("bad \uFFFD\uFFFD end", line.Line);
    }

    [Fact(Timeout = 30000)]
    public async Task In_one_read_only_the_invalid_line_is_replaced_and_a_character_is_never_made_across_two_lines()
    {
        // Read at once: the second line ends with the first byte of "é" and the third starts with its second byte.
        var bytes = Encoding.UTF8.GetBytes($"{Ts1} café\n{Ts2} cut ").Concat(new byte[] { 0xC3 })
            .Concat(Encoding.UTF8.GetBytes($"\n{Ts3} ")).Concat(new byte[] { 0xA9 }).Concat(Encoding.UTF8.GetBytes($" rest\n{Ts1} naïve\n")).ToArray();

        var (lines, _) = await ReadAll(bytes, maxChunk: bytes.Length);

        // The bytes themselves: what the push carries, and what Loki would refuse if a sequence were left broken.
        string[] expected = ["café", "cut \uFFFD", "\uFFFD rest", "naïve"];
        Assert.Equal(expected.Select(Encoding.UTF8.GetBytes), lines.Select(l => l.Utf8.ToArray()));
    }

    [Fact(Timeout = 30000)]
    public async Task Multibyte_characters_split_across_reads_are_decoded_whole()
    {
        var (lines, _) = await ReadAll($"{Ts1} héllo wörld 😀 ✓\n", maxChunk: 3);

        Assert.Equal("héllo wörld 😀 ✓", Assert.Single(lines).Line);
    }

    [Fact(Timeout = 30000)]
    public async Task A_timestamp_followed_by_nothing_is_an_empty_line_with_its_timestamp()
    {
        var (lines, _) = await ReadAll($"{Ts1}\n{Ts2} \n");

        Assert.Equal([new KubeletLine(Nanos1, string.Empty, true), new KubeletLine(Nanos2, string.Empty, true)], lines);
    }

    [Fact(Timeout = 30000)]
    public async Task Content_keeps_its_own_leading_spaces_after_the_single_separator()
    {
        var (lines, _) = await ReadAll($"{Ts1}   indented\n");

        Assert.Equal("  indented", Assert.Single(lines).Line);
    }

    [Fact(Timeout = 30000)]
    public async Task A_line_without_a_timestamp_borrows_the_previous_timestamp()
    {
        var (lines, _) = await ReadAll($"{Ts1} first\nno prefix here\n\n{Ts2} second\n");

        Assert.Equal(
            [
                new KubeletLine(Nanos1, "first", true),
                new KubeletLine(Nanos1, "no prefix here", false),
                new KubeletLine(Nanos1, string.Empty, false),
                new KubeletLine(Nanos2, "second", true),
            ],
            lines);
    }

    [Fact(Timeout = 30000)]
    public async Task A_timestamp_glued_to_text_is_not_a_prefix()
    {
        var (lines, _) = await ReadAll($"{Ts1} first\n{Ts2}x glued\n");

        Assert.Equal(new KubeletLine(Nanos1, $"{Ts2}x glued", false), lines[1]);
    }

    [Fact(Timeout = 30000)]
    public async Task A_40_KiB_line_with_timestamps_embedded_at_16_KiB_boundaries_is_rejoined_with_its_first_timestamp()
    {
        var original = new StringBuilder();
        for (var i = 0; original.Length < 40 * 1024; i++)
        {
            original.Append((char)('a' + (i % 26)));
        }

        var text = original.ToString();
        var body = $"{Ts1} {text[..16384]}{Ts2} {text[16384..32768]}{Ts3} {text[32768..]}\n{Ts2} next\n";

        var (lines, _) = await ReadAll(body, maxChunk: 7);

        Assert.Equal(2, lines.Count);
        Assert.Equal(Nanos1, lines[0].TimestampNanos);
        Assert.True(lines[0].HadTimestamp);
        Assert.Equal(text.Length, lines[0].Line.Length);
        Assert.Equal(text, lines[0].Line);
        Assert.Equal(new KubeletLine(Nanos2, "next", true), lines[1]);
    }

    [Fact(Timeout = 30000)]
    public async Task A_rejoined_line_keeps_a_multibyte_character_cut_by_a_partial_record_boundary()
    {
        // 16383 ASCII bytes then "é" (two bytes): the runtime's 16 KiB cut falls between its two bytes.
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(Ts1 + " "));
        var content = Encoding.UTF8.GetBytes(new string('x', 16383) + "é" + "tail");
        bytes.AddRange(content[..16384]);
        bytes.AddRange(Encoding.UTF8.GetBytes(Ts2 + " "));
        bytes.AddRange(content[16384..]);
        bytes.Add((byte)'\n');

        var (lines, _) = await ReadAll([.. bytes], maxChunk: 7);

        Assert.Equal(new string('x', 16383) + "étail", Assert.Single(lines).Line);
    }

    [Fact(Timeout = 30000)]
    public async Task A_line_of_exactly_16_KiB_is_left_as_it_is()
    {
        var text = new string('q', 16384);

        var (lines, _) = await ReadAll($"{Ts1} {text}\n");

        Assert.Equal(text, Assert.Single(lines).Line);
    }

    [Fact(Timeout = 30000)]
    public async Task A_line_longer_than_the_initial_buffer_grows_the_buffer()
    {
        var text = string.Concat(Enumerable.Range(0, 500).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)));
        var body = Encoding.UTF8.GetBytes($"{Ts1} short\n{Ts2} {text}\n{Ts3} after\n");

        var (lines, unfinished) = await ReadAll(body, maxChunk: 7, initialBufferBytes: 16);

        Assert.Equal(["short", text, "after"], lines.Select(l => l.Line));
        Assert.Equal(0, unfinished);
    }

    [Theory(Timeout = 30000)]
    // Reads cut short by the sender's chunks (an HTTP/1.1 chunk is at most 32 KiB, read partly through the
    // connection's own 4 KiB buffer) rarely fill the buffer, yet take most of it: a busy tail all the same.
    [InlineData(6000, 16 * 1024)]
    // A container writing a line at a time: the buffer stays as it started.
    [InlineData(200, 8 * 1024)]
    public async Task Reads_that_take_half_the_room_offered_or_more_grow_the_buffer(int bytesPerRead, int heldAfter)
    {
        var body = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            body.Append(KubeletTimestamp.Format(Nanos1 + i)).Append(" line number ").Append(i).Append('\n');
        }

        using var reader = new LogLineReader(new CappedReads(Encoding.UTF8.GetBytes(body.ToString()), bytesPerRead), initialBufferBytes: 8 * 1024);
        var lines = new List<KubeletLine>();
        while (lines.Count < 1000)
        {
            Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        }

        Assert.Equal(heldAfter, reader.HeldBufferBytes);
    }

    [Fact(Timeout = 30000)]
    public async Task Every_call_returns_true_with_at_least_one_line_until_the_body_ends()
    {
        var body = Encoding.UTF8.GetBytes($"{Ts1} a\n{Ts2} b\n{Ts3} c\n");
        using var reader = new LogLineReader(new TrickleStream(body, 1));
        var lines = new List<KubeletLine>();

        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.Equal(["a"], lines.Select(l => l.Line));
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.False(await reader.ReadLinesAsync(lines, CancellationToken.None));
        Assert.Equal(["a", "b", "c"], lines.Select(l => l.Line));
    }

    // A paced reader that has read its first line (a new tail reads at once) and then seen a whole quiet interval.
    private static async Task<LogLineReader> QuietReaderAsync(ReadPacer pacer, ArrivingStream body, List<KubeletLine> lines)
    {
        var reader = new LogLineReader(body, pace: pacer.Enrol(holdsUnreadBytes: false));
        body.Arrive($"{Ts1} first\n");
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        pacer.Tick();
        pacer.Tick();
        return reader;
    }

    [Fact(Timeout = 30000)]
    public async Task A_quiet_reader_leaves_new_bytes_in_the_body_until_the_tick_and_reads_them_within_it()
    {
        var (pacer, body, lines) = (new ReadPacer(), new ArrivingStream(), new List<KubeletLine>());
        using var reader = await QuietReaderAsync(pacer, body, lines);

        body.Arrive($"{Ts2} second\n");
        var next = reader.ReadLinesAsync(lines, CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);

        pacer.Tick();

        Assert.True(next.IsCompletedSuccessfully);
        Assert.True(await next);
        Assert.Equal(["first", "second"], lines.Select(l => l.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task A_reader_that_read_16_KiB_since_the_last_tick_reads_on_as_bytes_come()
    {
        var (pacer, body, lines) = (new ReadPacer(), new ArrivingStream(), new List<KubeletLine>());
        using var reader = await QuietReaderAsync(pacer, body, lines);

        // Quiet until a burst: the tick reads it.
        body.Arrive(string.Concat(Enumerable.Repeat($"{Ts1} {new string('x', 1000)}\n", 20)));
        var burst = reader.ReadLinesAsync(lines, CancellationToken.None).AsTask();
        Assert.False(burst.IsCompleted);
        pacer.Tick();
        Assert.True(await burst);
        while (lines.Count < 21)
        {
            Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        }

        // Busy now: the next line is read as it comes, without a tick.
        var next = reader.ReadLinesAsync(lines, CancellationToken.None).AsTask();
        body.Arrive($"{Ts2} next\n");

        Assert.True(await next);
        Assert.Equal("next", lines[^1].Line);
    }

    [Fact(Timeout = 30000)]
    public async Task A_reader_waiting_for_the_tick_stops_when_cancelled()
    {
        var (pacer, body, lines) = (new ReadPacer(), new ArrivingStream(), new List<KubeletLine>());
        using var reader = await QuietReaderAsync(pacer, body, lines);
        using var stop = new CancellationTokenSource();
        var next = reader.ReadLinesAsync(lines, stop.Token).AsTask();

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact(Timeout = 30000)]
    public async Task Between_reads_it_waits_for_bytes_without_holding_a_buffer()
    {
        var body = new BlockingStream(Encoding.UTF8.GetBytes(Ts1 + " first\n"));
        using var reader = new LogLineReader(body);
        var lines = new List<KubeletLine>();
        using var stop = new CancellationTokenSource();

        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        var waiting = reader.ReadLinesAsync(lines, stop.Token).AsTask();
        await body.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("first", Assert.Single(lines).Line);
        Assert.Equal(0, body.ReadSizes[^1]);
        Assert.False(waiting.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact(Timeout = 30000)]
    public async Task After_a_read_that_took_half_its_buffer_or_more_the_next_read_goes_at_once()
    {
        var body = new BlockingStream(Burst());
        using var reader = new LogLineReader(body, initialBufferBytes: 8 * 1024);
        var lines = new List<KubeletLine>();
        using var stop = new CancellationTokenSource();

        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        var waiting = reader.ReadLinesAsync(lines, stop.Token).AsTask();
        await body.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // More of a burst is likely on its way: no zero-byte read first, which would cost a syscall of its own.
        Assert.Equal(8 * 1024, body.ReadSizes[^1]);
        Assert.Equal(8 * 1024, reader.HeldBufferBytes);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact(Timeout = 30000)]
    public async Task A_busy_tail_compacted_to_nothing_reads_on_into_a_buffer_of_its_former_size()
    {
        var pipe = new Pipe();
        using var reader = new LogLineReader(pipe.Reader.AsStream(), initialBufferBytes: 8 * 1024);
        var lines = new List<KubeletLine>();
        await pipe.Writer.WriteAsync(Burst());
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));
        var burstLines = lines.Count;

        reader.Compact();
        Assert.Equal(0, reader.HeldBufferBytes);
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes($"{Ts2} after the wait\n"));
        Assert.True(await reader.ReadLinesAsync(lines, CancellationToken.None));

        Assert.Equal(8 * 1024, reader.HeldBufferBytes);
        Assert.Equal(burstLines + 1, lines.Count);
        Assert.Equal("after the wait", lines[^1].Line);
    }

    [Fact(Timeout = 30000)]
    public async Task The_unfinished_last_line_is_taken_whole_when_asked()
    {
        using var reader = new LogLineReader(new TrickleStream(Encoding.UTF8.GetBytes($"{Ts1} first line\n{Ts2} last words"), 7));
        var lines = new List<KubeletLine>();
        while (await reader.ReadLinesAsync(lines, CancellationToken.None))
        {
        }

        Assert.Equal($"{Ts2} last words", Encoding.UTF8.GetString(reader.Unfinished));
        Assert.True(reader.TakeUnfinishedLine(lines));

        Assert.Equal([new KubeletLine(Nanos1, "first line", hadTimestamp: true), new KubeletLine(Nanos2, "last words", hadTimestamp: true)], lines);
        Assert.Equal(0, reader.UnfinishedBytes);
        Assert.False(reader.TakeUnfinishedLine(lines));
    }

    [Fact(Timeout = 60000)]
    public async Task A_line_that_never_ends_is_held_only_up_to_its_cap()
    {
        // A progress bar that rewrites itself with carriage returns: 32 MiB of 16 KiB records and never a newline.
        var body = LongLine(records: 2048, newline: false);
        using var reader = new LogLineReader(new CappedReads(body, 64 * 1024), maxLineBytes: 64 * 1024);
        var lines = new List<KubeletLine>();

        while (await reader.ReadLinesAsync(lines, CancellationToken.None))
        {
        }

        Assert.Empty(lines);
        Assert.InRange(reader.HeldBufferBytes, 64 * 1024, 128 * 1024);
        Assert.InRange(reader.UnfinishedBytes, 64 * 1024, 80 * 1024);
    }

    [Fact(Timeout = 60000)]
    public async Task A_capped_line_keeps_its_first_bytes_and_says_how_much_of_its_text_was_read_past()
    {
        const int records = 64;
        var body = LongLine(records, newline: true).Concat(Encoding.UTF8.GetBytes($"{Ts2} after\n")).ToArray();
        using var reader = new LogLineReader(new CappedReads(body, 64 * 1024), maxLineBytes: 64 * 1024);
        var lines = new List<KubeletLine>();
        var capped = new List<CappedLine>();

        while (await reader.ReadLinesAsync(lines, CancellationToken.None))
        {
            capped.AddRange(reader.Capped);
        }

        Assert.Equal(2, lines.Count);
        Assert.Equal(Nanos1, lines[0].TimestampNanos);
        // The first 64 KiB and more are the line's text, rejoined.
        Assert.True(lines[0].Utf8.Length > 64 * 1024);
        Assert.True(lines[0].Utf8.Span[..(64 * 1024)].IndexOfAnyExcept((byte)'x') < 0);
        var cut = Assert.Single(capped);
        Assert.Equal(0, cut.Line);
        // What was kept and what was read past add up to the line's text, give or take the timestamps around the cut.
        Assert.InRange(lines[0].Utf8.Length + cut.DiscardedBytes, (records * 16 * 1024) - 100, (records * 16 * 1024) + 100);
        Assert.Equal("after", Encoding.UTF8.GetString(lines[1].Utf8.Span));
    }

    /// <summary>One line of 16 KiB records of 'x', each with its timestamp, as the kubelet returns a long line.</summary>
    private static byte[] LongLine(int records, bool newline)
    {
        var record = Encoding.UTF8.GetBytes($"{Ts1} " + new string('x', 16 * 1024));
        var body = new byte[(records * record.Length) + (newline ? 1 : 0)];
        for (var i = 0; i < records; i++)
        {
            record.CopyTo(body, i * record.Length);
        }

        if (newline)
        {
            body[^1] = (byte)'\n';
        }

        return body;
    }

    /// <summary>Whole lines, over 5,000 bytes in all: one read of them takes more than half of an 8 KiB buffer.</summary>
    private static byte[] Burst()
    {
        var burst = new StringBuilder();
        while (burst.Length < 5000)
        {
            burst.Append(Ts1).Append(" a line of a burst\n");
        }

        return Encoding.UTF8.GetBytes(burst.ToString());
    }

    /// <summary>A body whose every read hands out as much as asked, up to <paramref name="most"/> bytes.</summary>
    private sealed class CappedReads(byte[] content, int most) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, most)], cancellationToken);
    }
}
