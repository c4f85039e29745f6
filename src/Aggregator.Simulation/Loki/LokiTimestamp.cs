using System.Globalization;

namespace Aggregator.Simulation.Loki;

/// <summary>Reads query time parameters as Loki's loghttp parseTimestamp does.</summary>
internal static class LokiTimestamp
{
    /// <summary>Empty gives the default; "1.5" is float seconds; integers of 10 digits or fewer are seconds, longer ones nanoseconds; else RFC3339.</summary>
    public static long Parse(string? value, long defaultNanos)
    {
        if (string.IsNullOrEmpty(value))
        {
            return defaultNanos;
        }

        if (value.Contains('.', StringComparison.Ordinal)
            && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fractional))
        {
            var seconds = decimal.Truncate(fractional);

            // Loki rounds the fraction to milliseconds.
            var millis = decimal.Round((fractional - seconds) * 1000m);
            return ((long)seconds * 1_000_000_000L) + ((long)millis * 1_000_000L);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return value.Length <= 10 ? integer * 1_000_000_000L : integer;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return (instant.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
        }

        throw new FormatException("strconv.ParseInt: parsing " + GoText.Quote(value) + ": invalid syntax");
    }
}
