using System.Buffers.Binary;
using System.Globalization;

namespace Aggregator.Actors.Tailing;

/// <summary>Parses and formats the kubelet's RFC 3339 timestamps as Unix nanoseconds, without DateTime's 100 ns rounding.</summary>
public static class KubeletTimestamp
{
    private const long NanosPerSecond = 1_000_000_000;
    private static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>
    /// Parses a timestamp at the start of <paramref name="text"/> (<c>2026-11-25T13:41:59.034086826Z</c>; fewer
    /// fraction digits and numeric offsets are accepted too). Returns the number of bytes consumed, or 0 when the
    /// text does not start with a timestamp.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> text, out long unixNanos)
    {
        unixNanos = 0;
        return TryParseMinute(text, out var minuteSeconds) ? TryParseFromSeconds(text, minuteSeconds, out unixNanos) : 0;
    }

    /// <summary>
    /// Parses as <see cref="TryParse(ReadOnlySpan{byte}, out long)"/> does, but a timestamp in the same minute as the
    /// last one <paramref name="minute"/> holds is read from its seconds on; a new minute is parsed whole and remembered.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> text, ref TimestampMinute minute, out long unixNanos)
    {
        unixNanos = 0;
        if (text.Length < 20)
        {
            return 0;
        }

        var head = BinaryPrimitives.ReadUInt64LittleEndian(text);
        var tail = BinaryPrimitives.ReadUInt64LittleEndian(text[8..]);
        if (minute.Known && head == minute.Head && tail == minute.Tail && text[16] == ':')
        {
            return TryParseFromSeconds(text, minute.Seconds, out unixNanos);
        }

        if (!TryParseMinute(text, out var minuteSeconds))
        {
            return 0;
        }

        var consumed = TryParseFromSeconds(text, minuteSeconds, out unixNanos);
        if (consumed > 0)
        {
            // Only a whole valid timestamp is remembered: its date and time of day have passed every check.
            minute = new TimestampMinute { Head = head, Tail = tail, Seconds = minuteSeconds, Known = true };
        }

        return consumed;
    }

    /// <summary>Reads <c>yyyy-MM-ddTHH:mm:</c> as seconds from the Unix epoch to that minute (as if in UTC).</summary>
    private static bool TryParseMinute(ReadOnlySpan<byte> text, out long minuteSeconds)
    {
        minuteSeconds = 0;
        if (text.Length < 20 ||
            !Digits(text, 0, 4, out var year) || text[4] != '-' ||
            !Digits(text, 5, 2, out var month) || text[7] != '-' ||
            !Digits(text, 8, 2, out var day) || (text[10] != 'T' && text[10] != 't') ||
            !Digits(text, 11, 2, out var hour) || text[13] != ':' ||
            !Digits(text, 14, 2, out var minute) || text[16] != ':')
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59)
        {
            return false;
        }

        var days = new DateOnly(year, month, day).DayNumber - UnixEpochDay;
        minuteSeconds = (days * 86_400L) + (hour * 3_600L) + (minute * 60L);
        return true;
    }

    /// <summary>Reads the seconds, the fraction and the offset after a minute already read; returns the bytes consumed, or 0.</summary>
    private static int TryParseFromSeconds(ReadOnlySpan<byte> text, long minuteSeconds, out long unixNanos)
    {
        unixNanos = 0;
        if (!Digits(text, 17, 2, out var second) || second > 60)
        {
            return 0;
        }

        var position = 19;
        long fraction = 0;
        if (text[position] == '.')
        {
            position++;
            var digits = 0;
            if (text.Length - position >= 8 && TryEightDigits(BinaryPrimitives.ReadUInt64LittleEndian(text[position..]), out var eight))
            {
                // The kubelet writes nine digits: eight of them at once, then the loop reads the ninth.
                fraction = eight;
                digits = 8;
                position += 8;
            }

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

        unixNanos = ((minuteSeconds + second - offsetSeconds) * NanosPerSecond) + fraction;
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

    /// <summary>A UTC time (the Kubernetes client's times have no kind) as Unix nanoseconds, the unit of every timestamp here.</summary>
    public static long NanosOf(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>The whole Unix second that holds a nanosecond timestamp.</summary>
    public static long SecondOf(long unixNanos) => unixNanos >= 0 ? unixNanos / NanosPerSecond : ((unixNanos + 1) / NanosPerSecond) - 1;

    /// <summary>Reads eight ASCII digits held in a little-endian word (the first digit in the lowest byte) as one number.</summary>
    private static bool TryEightDigits(ulong word, out long value)
    {
        value = 0;
        // Every byte 0x30-0x39: its high nibble is 3, and adding 6 does not carry into that nibble.
        if ((word & 0xF0F0F0F0F0F0F0F0) != 0x3030303030303030 || ((word + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) != 0x3030303030303030)
        {
            return false;
        }

        // Pairs of digits, then pairs of pairs, then the two halves: three multiplications instead of eight steps.
        word -= 0x3030303030303030;
        word = ((word * 10) + (word >> 8)) & 0x00FF00FF00FF00FF;
        word = ((word * 100) + (word >> 16)) & 0x0000FFFF0000FFFF;
        value = (long)(((word * 10_000) + (word >> 32)) & 0xFFFFFFFF);
        return true;
    }

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
