using System.Globalization;
using System.Text;

namespace Aggregator.Actors.Tailing;

/// <summary>What happens to a line longer than Loki accepts (max_line_size, 256 KiB by default in Loki 3).</summary>
public enum OverlongLines
{
    /// <summary>Cut to the limit, ending with a visible marker that says how much was cut.</summary>
    Truncate,

    /// <summary>Left out, and counted.</summary>
    Drop,
}

/// <summary>Applies the line-size limit, in UTF-8 bytes as Loki counts them.</summary>
public sealed class LineLimit(int maxBytes, OverlongLines overlong)
{
    /// <summary>No limit.</summary>
    public static readonly LineLimit None = new(int.MaxValue, OverlongLines.Truncate);

    /// <summary>The limit in UTF-8 bytes.</summary>
    public int MaxBytes { get; } = maxBytes;

    /// <summary>What is done to longer lines.</summary>
    public OverlongLines Overlong { get; } = overlong;

    /// <summary>
    /// The line to ship, or null to drop it; <paramref name="cut"/> tells whether the limit applied. The line is
    /// valid UTF-8, and so is a cut one: it ends at a character boundary, then the marker.
    /// </summary>
    /// <param name="line">The line's text, or its first bytes when the rest was read past (<see cref="LogLineReader.Capped"/>).</param>
    /// <param name="readPast">Bytes of the line's text after <paramref name="line"/> that were read past.</param>
    public ReadOnlyMemory<byte>? Apply(ReadOnlyMemory<byte> line, out bool cut, long readPast = 0)
    {
        if (line.Length <= MaxBytes && readPast == 0)
        {
            cut = false;
            return line;
        }

        cut = true;
        if (Overlong == OverlongLines.Drop)
        {
            return null;
        }

        var marker = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"…[truncated {line.Length + readPast} bytes to {MaxBytes}]"));
        var keep = Math.Min(line.Length, Math.Max(0, MaxBytes - marker.Length));
        var text = line.Span;

        // Back to the first byte of the character at the cut: continuation bytes are 10xxxxxx.
        while (keep > 0 && keep < text.Length && (text[keep] & 0xC0) == 0x80)
        {
            keep--;
        }

        var result = new byte[keep + marker.Length];
        text[..keep].CopyTo(result);
        marker.CopyTo(result.AsSpan(keep));
        return result;
    }
}
