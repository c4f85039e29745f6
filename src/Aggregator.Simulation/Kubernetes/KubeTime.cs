using System.Globalization;
using System.Text.RegularExpressions;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>The time formats the kubelet and the API server speak.</summary>
internal static partial class KubeTime
{
    /// <summary>The length of the kubelet's log timestamp: RFC3339 with exactly nine fractional digits and <c>Z</c>.</summary>
    public const int NanosLength = 30;

    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>The current UTC wall clock in Unix nanoseconds.</summary>
    public static long NowNanos() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    // The date and time of day change once a second, and the double stamps every line it serves, on the cores the
    // benchmark measures the aggregator on: each serving thread keeps the last second's text.
    [ThreadStatic]
    private static SecondText? lastSecond;

    /// <summary>Writes the kubelet's log timestamp (<see cref="NanosLength"/> bytes) into <paramref name="destination"/>.</summary>
    public static void WriteNanos(long unixNanos, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, NanosLength, nameof(destination));
        var seconds = Math.DivRem(unixNanos, NanosPerSecond, out var fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += NanosPerSecond;
        }

        var second = lastSecond ??= new SecondText();
        if (second.Seconds != seconds)
        {
            // "s" is yyyy-MM-ddTHH:mm:ss.
            DateTime.UnixEpoch.AddSeconds(seconds).TryFormat(second.Text, out _, "s", CultureInfo.InvariantCulture);
            second.Seconds = seconds;
        }

        second.Text.CopyTo(destination);
        destination[19] = (byte)'.';
        ((int)fraction).TryFormat(destination[20..], out _, "D9", CultureInfo.InvariantCulture);
        destination[29] = (byte)'Z';
    }

    /// <summary>Object metadata times are whole seconds on the wire; keep them so.</summary>
    public static DateTime WholeSecondsUtc(DateTime time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>
    /// Parses RFC3339 as Go's <c>time.Parse(time.RFC3339, …)</c> does (any fraction, <c>Z</c> or an offset)
    /// and returns whole Unix seconds: the API server re-formats <c>sinceTime</c> without the fraction.
    /// </summary>
    public static bool TryParseToWholeSeconds(string text, out long unixSeconds)
    {
        unixSeconds = 0;
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return false;
        }

        if (!DateTime.TryParseExact(match.Groups["base"].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var local))
        {
            return false;
        }

        var offset = TimeSpan.Zero;
        var zone = match.Groups["zone"].Value;
        if (zone != "Z")
        {
            var sign = zone[0] == '-' ? -1 : 1;
            var hours = int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture);
            var minutes = int.Parse(zone.AsSpan(4, 2), CultureInfo.InvariantCulture);
            offset = sign * new TimeSpan(hours, minutes, 0);
        }

        unixSeconds = (long)(local - offset - DateTime.UnixEpoch).TotalSeconds;
        return true;
    }

    [GeneratedRegex(@"^(?<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(?<zone>Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private sealed class SecondText
    {
        public long Seconds { get; set; } = long.MinValue;

        public byte[] Text { get; } = new byte[19];
    }
}
