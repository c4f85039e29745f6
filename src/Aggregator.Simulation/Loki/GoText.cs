using System.Globalization;
using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>Formats text the way Loki (Go) does, so that bodies and label strings match Loki's byte for byte.</summary>
internal static class GoText
{
    /// <summary>Go's strconv.Quote: double quotes, escapes for quote, backslash and non-printable runes.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            AppendQuotedRune(builder, rune);
        }

        builder.Append('"');
        return builder.ToString();
    }

    /// <summary>A label set sorted by name; Prometheus' Labels.String uses ", " as separator, the double's LabelString ",".</summary>
    public static string LabelSet(IEnumerable<KeyValuePair<string, string>> labels, string separator)
    {
        var builder = new StringBuilder();
        builder.Append('{');
        var first = true;
        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                builder.Append(separator);
            }

            first = false;
            builder.Append(name).Append('=').Append(Quote(value));
        }

        builder.Append('}');
        return builder.ToString();
    }

    /// <summary>Go's time.Duration.String() of whole seconds, e.g. "744h0m0s" (Loki truncates a query's length to seconds).</summary>
    public static string Duration(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        return seconds == 0
            ? "0s"
            : string.Create(CultureInfo.InvariantCulture, $"{(seconds >= 3600 ? $"{seconds / 3600}h" : string.Empty)}{(seconds >= 60 ? $"{seconds / 60 % 60}m" : string.Empty)}{seconds % 60}s");
    }

    /// <summary>Prometheus' model.Duration.String(), as Loki prints its limits: "30d1h"; years and weeks only when exact.</summary>
    public static string ModelDuration(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        foreach (var (unit, size, exact) in new[]
                 {
                     ("y", 365L * 24 * 3_600_000, true), ("w", 7L * 24 * 3_600_000, true), ("d", 24L * 3_600_000, false),
                     ("h", 3_600_000L, false), ("m", 60_000L, false), ("s", 1_000L, false), ("ms", 1L, false),
                 })
        {
            if (exact && ms % size != 0)
            {
                continue;
            }

            if (ms / size is > 0 and var count)
            {
                text.Append(CultureInfo.InvariantCulture, $"{count}{unit}");
                ms -= count * size;
            }
        }

        return text.ToString();
    }

    /// <summary>Go's time.Format(time.RFC3339) of a UTC instant: whole seconds, "Z".</summary>
    public static string Rfc3339(long unixNanos)
    {
        var seconds = FloorDiv(unixNanos, 1_000_000_000L);
        return DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Go's time.Time.String() of a UTC instant, e.g. "2024-05-01 10:00:00.123456789 +0000 UTC" (trailing zeros trimmed).</summary>
    public static string TimeString(long unixNanos)
    {
        var seconds = FloorDiv(unixNanos, 1_000_000_000L);
        var nanos = unixNanos - (seconds * 1_000_000_000L);
        var text = DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (nanos != 0)
        {
            text += "." + nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        }

        return text + " +0000 UTC";
    }

    private static long FloorDiv(long value, long divisor)
    {
        var quotient = value / divisor;
        return value % divisor < 0 ? quotient - 1 : quotient;
    }

    private static void AppendQuotedRune(StringBuilder builder, Rune rune)
    {
        switch (rune.Value)
        {
            case '"': builder.Append("\\\""); return;
            case '\\': builder.Append("\\\\"); return;
            case '\a': builder.Append("\\a"); return;
            case '\b': builder.Append("\\b"); return;
            case '\f': builder.Append("\\f"); return;
            case '\n': builder.Append("\\n"); return;
            case '\r': builder.Append("\\r"); return;
            case '\t': builder.Append("\\t"); return;
            case '\v': builder.Append("\\v"); return;
        }

        if (IsPrint(rune))
        {
            builder.Append(rune.ToString());
        }
        else if (rune.Value < 0x20 || rune.Value == 0x7F)
        {
            builder.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (rune.Value < 0x10000)
        {
            builder.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space only.
    private static bool IsPrint(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}
