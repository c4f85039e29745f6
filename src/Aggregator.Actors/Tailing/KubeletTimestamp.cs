using System.Globalization;

namespace Aggregator.Actors.Tailing;

/// <summary>Parses and formats the kubelet's RFC 3339 timestamps as Unix nanoseconds, without DateTime's 100 ns rounding.</summary>
public static class KubeletTimestamp
{
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>
    /// Parses a timestamp at the start of <paramref name="text"/> (<c>2026-11-25T13:41:59.034086826Z</c>; fewer
    /// fraction digits and numeric offsets are accepted too). Returns the number of bytes consumed, or 0 when the
    /// text does not start with a timestamp.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> text, out long unixNanos)
    {
        unixNanos = 0;
        if (text.Length < 20 ||
            !Digits(text, 0, 4, out var year) || text[4] != '-' ||
            !Digits(text, 5, 2, out var month) || text[7] != '-' ||
            !Digits(text, 8, 2, out var day) || (text[10] != 'T' && text[10] != 't') ||
            !Digits(text, 11, 2, out var hour) || text[13] != ':' ||
            !Digits(text, 14, 2, out var minute) || text[16] != ':' ||
            !Digits(text, 17, 2, out var second))
        {
            return 0;
        }

        var position = 19;
        long fraction = 0;
        if (text[position] == '.')
        {
            position++;
            var digits = 0;
            while (position < text.Length && text[position] is >= (byte)'0' and <= (byte)'9')
            {
                // Digits past the ninth are below a nanosecond: read and ignored.
                if (digits < 9)
                {
                    fraction = (fraction * 10) + (text[position] - '0');
                }

                digits++;
                position++;
            }

            if (digits == 0)
            {
                return 0;
            }

            for (; digits < 9; digits++)
            {
                fraction *= 10;
            }
        }

        if (position >= text.Length)
        {
            return 0;
        }

        long offsetSeconds = 0;
        if (text[position] is (byte)'Z' or (byte)'z')
        {
            position++;
        }
        else if (text[position] is (byte)'+' or (byte)'-')
        {
            if (position + 6 > text.Length || !Digits(text, position + 1, 2, out var offsetHours) ||
                text[position + 3] != ':' || !Digits(text, position + 4, 2, out var offsetMinutes))
            {
                return 0;
            }

            if (offsetHours > 23 || offsetMinutes > 59)
            {
                return 0;
            }

            offsetSeconds = ((offsetHours * 60) + offsetMinutes) * 60L * (text[position] == '-' ? -1 : 1);
            position += 6;
        }
        else
        {
            return 0;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return 0;
        }

        var days = new DateOnly(year, month, day).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        var seconds = (days * 86_400L) + (hour * 3_600L) + (minute * 60L) + second - offsetSeconds;
        unixNanos = (seconds * NanosPerSecond) + fraction;
        return position;
    }

    /// <summary>Parses a whole string as a timestamp; for tests and configuration.</summary>
    public static long Parse(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        if (TryParse(bytes, out var nanos) != bytes.Length)
        {
            throw new FormatException($"'{text}' is not an RFC 3339 timestamp.");
        }

        return nanos;
    }

    /// <summary>Formats Unix nanoseconds as the kubelet does: UTC, exactly nine fraction digits.</summary>
    public static string Format(long unixNanos)
    {
        var seconds = Math.DivRem(unixNanos, NanosPerSecond, out var fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += NanosPerSecond;
        }

        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               fraction.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>Formats a whole Unix second in RFC 3339, the precision that sinceTime reaches the kubelet with.</summary>
    public static string FormatSecond(long unixSecond) =>
        DateTime.UnixEpoch.AddSeconds(unixSecond).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The whole Unix second that holds a nanosecond timestamp.</summary>
    public static long SecondOf(long unixNanos) => unixNanos >= 0 ? unixNanos / NanosPerSecond : ((unixNanos + 1) / NanosPerSecond) - 1;

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = text[i];
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
