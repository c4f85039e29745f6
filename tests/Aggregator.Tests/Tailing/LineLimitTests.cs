using System.Text;
using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class LineLimitTests
{
    private const int Max = 1024;

    // Throws on a lone surrogate, so that a split pair cannot pass unnoticed.
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly LineLimit Truncating = new(Max, OverlongLines.Truncate);
    private static readonly LineLimit Dropping = new(Max, OverlongLines.Drop);

    /// <summary>Applies the limit to the line's UTF-8 bytes; the result is decoded strictly, so a split character fails the test.</summary>
    private static string? Apply(LineLimit limit, string line, out bool cut)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var result = limit.Apply(bytes, out cut);
        if (!cut)
        {
            Assert.True(result.HasValue && result.Value.Equals(bytes.AsMemory()), "a line within the limit is passed on as it is, not copied");
        }

        return result is { } kept ? Strict.GetString(kept.Span) : null;
    }

    private static string Marker(string original, int max = Max) =>
        $"…[truncated {Strict.GetByteCount(original)} bytes to {max}]";

    [Theory]
    [InlineData("")]
    [InlineData("short line")]
    public void A_short_line_is_untouched(string line)
    {
        Assert.Equal(line, Apply(Truncating, line, out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void A_line_of_exactly_the_limit_is_untouched()
    {
        var line = new string('a', Max);

        Assert.Equal(line, Apply(Truncating, line, out var cut));
        Assert.False(cut);
        Assert.Equal(line, Apply(Dropping, line, out cut));
        Assert.False(cut);
    }

    [Theory]
    [InlineData("é", 512)]   // 2 bytes each: 1024 bytes, though 512 chars × 3 is over the limit
    [InlineData("€", 341)]   // 3 bytes each: 1023 bytes
    [InlineData("😀", 256)]  // 4 bytes per surrogate pair: 1024 bytes
    public void A_multibyte_line_within_the_limit_is_untouched(string character, int count)
    {
        var line = string.Concat(Enumerable.Repeat(character, count));
        Assert.True(Strict.GetByteCount(line) <= Max);

        Assert.Equal(line, Apply(Truncating, line, out var cut));
        Assert.False(cut);
    }

    [Theory]
    [InlineData("a", 1025)]
    [InlineData("é", 513)]
    [InlineData("€", 342)]
    [InlineData("😀", 257)]
    public void A_multibyte_line_one_character_over_the_limit_is_cut(string character, int count)
    {
        var line = string.Concat(Enumerable.Repeat(character, count));

        var result = Apply(Truncating, line, out var cut);

        Assert.True(cut);
        Assert.NotNull(result);
        Assert.EndsWith(Marker(line), result, StringComparison.Ordinal);
        Assert.True(Strict.GetByteCount(result) <= Max);
    }

    [Fact]
    public void An_ascii_line_is_cut_to_exactly_the_limit_with_the_marker_at_the_end()
    {
        var line = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i:D4}"));
        var marker = "…[truncated 2000 bytes to 1024]";

        var result = Apply(Truncating, line, out var cut);

        Assert.True(cut);
        Assert.Equal(line[..(Max - Strict.GetByteCount(marker))] + marker, result);
        Assert.Equal(Max, Strict.GetByteCount(result!));
    }

    [Fact]
    public void The_marker_of_a_line_read_past_counts_its_whole_text()
    {
        var limit = new LineLimit(1024, OverlongLines.Truncate);

        var cut = limit.Apply(Encoding.UTF8.GetBytes(new string('a', 1100)), out var wasCut, readPast: 5_000_000);

        Assert.True(wasCut);
        Assert.EndsWith("[truncated 5001100 bytes to 1024]", Encoding.UTF8.GetString(cut!.Value.Span), StringComparison.Ordinal);
        Assert.Equal(1024, cut.Value.Length);
    }

    [Fact]
    public void The_marker_counts_the_original_line_s_utf8_bytes()
    {
        var line = string.Concat(Enumerable.Repeat("ü", 1000));

        var result = Apply(Truncating, line, out _);

        Assert.EndsWith("…[truncated 2000 bytes to 1024]", result, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_surrogate_pair_at_the_cut_is_never_split(int asciiPrefix)
    {
        // Shifting the pairs by 0 to 3 bytes puts every byte position of a pair at the cut once.
        var line = new string('a', asciiPrefix) + string.Concat(Enumerable.Repeat("😀", 400));

        var result = Apply(Truncating, line, out var cut)!;

        Assert.True(cut);
        var kept = result[..^Marker(line).Length];
        Assert.StartsWith(kept, line, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(kept[^1]));
        var bytes = Strict.GetByteCount(result);
        Assert.InRange(bytes, Max - 3, Max);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_three_byte_character_at_the_cut_is_never_split(int asciiPrefix)
    {
        var line = new string('a', asciiPrefix) + string.Concat(Enumerable.Repeat("日本語", 200));

        var result = Apply(Truncating, line, out var cut)!;

        Assert.True(cut);
        var kept = result[..^Marker(line).Length];
        Assert.StartsWith(kept, line, StringComparison.Ordinal);
        Assert.InRange(Strict.GetByteCount(result), Max - 2, Max);
    }

    [Fact]
    public void A_mixed_line_is_cut_to_a_prefix_of_itself_that_fits()
    {
        var line = string.Concat(Enumerable.Range(0, 300).Select(i => $"{i}é😀€ "));

        var result = Apply(Truncating, line, out var cut)!;

        Assert.True(cut);
        var kept = result[..^Marker(line).Length];
        Assert.StartsWith(kept, line, StringComparison.Ordinal);
        Assert.True(Strict.GetByteCount(result) <= Max);

        // One more character would not have fitted.
        var next = char.IsHighSurrogate(line[kept.Length]) ? line.Substring(kept.Length, 2) : line.Substring(kept.Length, 1);
        Assert.True(Strict.GetByteCount(kept + next + Marker(line)) > Max);
    }

    [Fact]
    public void Drop_returns_null_for_an_overlong_line_and_says_it_was_cut()
    {
        var line = new string('a', Max + 1);

        Assert.Null(Apply(Dropping, line, out var cut));
        Assert.True(cut);
    }

    [Fact]
    public void Drop_leaves_lines_within_the_limit_alone()
    {
        Assert.Equal("fine", Apply(Dropping, "fine", out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void None_never_cuts()
    {
        var line = new string('x', 1_000_000);

        Assert.Equal(line, Apply(LineLimit.None, line, out var cut));
        Assert.False(cut);
        Assert.Equal(int.MaxValue, LineLimit.None.MaxBytes);
    }

    [Fact]
    public void The_limit_and_the_choice_are_exposed()
    {
        Assert.Equal(Max, Dropping.MaxBytes);
        Assert.Equal(OverlongLines.Drop, Dropping.Overlong);
        Assert.Equal(OverlongLines.Truncate, Truncating.Overlong);
    }

    [Fact]
    public void A_truncated_line_never_exceeds_the_limit_for_any_length_around_it()
    {
        for (var length = Max - 10; length <= Max + 50; length++)
        {
            var line = string.Concat(Enumerable.Range(0, length).Select(i => (i % 7) switch { 0 => "😀", 1 => "é", 2 => "€", _ => "a" }));

            var result = Apply(Truncating, line, out var cut)!;

            Assert.Equal(Strict.GetByteCount(line) > Max, cut);
            Assert.True(Strict.GetByteCount(result) <= Max, $"{Strict.GetByteCount(result)} bytes for a line of {length} characters");
        }
    }
}
