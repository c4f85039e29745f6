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

    /// <summary>The line to ship, or null to drop it; <paramref name="cut"/> tells whether the limit applied.</summary>
    public string? Apply(string line, out bool cut)
    {
        // Three bytes per char at most: most lines are decided without counting.
        if ((long)line.Length * 3 <= MaxBytes || Encoding.UTF8.GetByteCount(line) <= MaxBytes)
        {
            cut = false;
            return line;
        }

        cut = true;
        if (Overlong == OverlongLines.Drop)
        {
            return null;
        }

        var total = Encoding.UTF8.GetByteCount(line);
        var marker = string.Create(CultureInfo.InvariantCulture, $"…[truncated {total} bytes to {MaxBytes}]");
        var room = Math.Max(0, MaxBytes - Encoding.UTF8.GetByteCount(marker));
        var builder = new StringBuilder(room + marker.Length);
        var bytes = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 4 : Encoding.UTF8.GetByteCount(line.AsSpan(i, 1));
            if (bytes + width > room)
            {
                break;
            }

            builder.Append(line[i]);
            if (width == 4)
            {
                builder.Append(line[++i]);
            }

            bytes += width;
        }

        return builder.Append(marker).ToString();
    }
}
