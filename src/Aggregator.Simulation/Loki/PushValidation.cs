using System.Globalization;
using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>Loki's per-stream and per-entry checks, with its exact messages (pkg/validation/validate.go, pkg/distributor/validator.go, pkg/chunkenc).</summary>
internal static class PushValidation
{
    public const string MissingStreamsMessage = "error at least one valid stream is required for ingestion";
    public const string MissingLabelsMessage = "error at least one label pair is required per stream";

    /// <summary>Parses and checks a labels string; returns the normalised labels, or null and the message Loki gives for the whole stream.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? CheckLabels(string raw, LokiDoubleOptions options, out string? problem)
    {
        IReadOnlyList<KeyValuePair<string, string>> labels;
        try
        {
            labels = LabelSetParser.Normalise(LabelSetParser.Parse(raw));
        }
        catch (LabelSyntaxException ex)
        {
            problem = Format($"Error parsing labels '{raw}' with error: {ex.Message}");
            return null;
        }

        problem = CheckLimits(raw, labels, options);
        return problem is null ? labels : null;
    }

    /// <summary>The distributor's entry checks, in Loki's order: too old, too new, line too long.</summary>
    public static string? CheckEntry(IncomingEntry entry, string labelsForMessage, long nowNanos, LokiDoubleOptions options)
    {
        var oldest = nowNanos - options.RejectOldSamplesMaxAge.Ticks * 100;
        if (entry.TimestampNanos < oldest)
        {
            return Format($"entry for stream '{labelsForMessage}' has timestamp too old: {GoText.Rfc3339(entry.TimestampNanos)}, oldest acceptable timestamp is: {GoText.Rfc3339(oldest)}");
        }

        if (entry.TimestampNanos > nowNanos + options.CreationGracePeriod.Ticks * 100)
        {
            return Format($"entry for stream '{labelsForMessage}' has timestamp too new: {GoText.Rfc3339(entry.TimestampNanos)}");
        }

        if (options.MaxLineSizeBytes is { } max && max != 0 && entry.LineBytes > max)
        {
            return Format($"Max entry size '{max}' bytes exceeded for stream '{labelsForMessage}' while adding an entry with length '{entry.LineBytes}' bytes");
        }

        return null;
    }

    /// <summary>The ingester's out-of-order error (chunkenc.ErrTooFarBehind).</summary>
    public static string TooFarBehind(long entryNanos, long cutoffNanos) =>
        $"entry too far behind, entry timestamp is: {GoText.Rfc3339(entryNanos)}, oldest acceptable timestamp is: {GoText.Rfc3339(cutoffNanos)}";

    private static string? CheckLimits(string raw, IReadOnlyList<KeyValuePair<string, string>> labels, LokiDoubleOptions options)
    {
        if (labels.Count == 0)
        {
            return MissingLabelsMessage;
        }

        // Loki may add service_name itself, so a stream that already has it gets one extra name.
        var names = labels.Count - (labels.Any(l => l.Key == "service_name") ? 1 : 0);
        if (names > options.MaxLabelNamesPerSeries)
        {
            return Format($"entry for stream '{raw}' has {names} label names; limit {options.MaxLabelNamesPerSeries}");
        }

        var previous = string.Empty;
        foreach (var (name, value) in labels)
        {
            if (Encoding.UTF8.GetByteCount(name) > options.MaxLabelNameLength)
            {
                return Format($"stream '{raw}' has label name too long: '{name}'");
            }

            if (Encoding.UTF8.GetByteCount(value) > options.MaxLabelValueLength)
            {
                return Format($"stream '{raw}' has label value too long: '{value}'");
            }

            if (string.Equals(previous, name, StringComparison.Ordinal))
            {
                return Format($"stream '{raw}' has duplicate label name: '{name}'");
            }

            previous = name;
        }

        return null;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
