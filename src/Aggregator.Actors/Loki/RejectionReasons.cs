using System.Globalization;
using System.Text.RegularExpressions;

namespace Aggregator.Actors.Loki;

/// <summary>Reads a Loki 400 body: why entries were refused, and how many of the request's entries that was.</summary>
public static partial class RejectionReasons
{
    /// <summary>The reasons this product counts separately; anything else is "other".</summary>
    public static readonly IReadOnlyList<string> Known =
        ["too_old", "too_new", "too_far_behind", "line_too_long", "invalid_labels", "too_many_labels", "other"];

    /// <summary>
    /// Counts of refused entries per reason. Loki lists at most ten refusals and then "total ignored: N out of M";
    /// the unlisted ones are put under the most frequent listed reason. With nothing listed, the refused entries
    /// are counted under the reason the body names.
    /// </summary>
    public static Dictionary<string, int> Classify(string body, int entriesInBatch)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var listed = 0;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("entry with timestamp", StringComparison.Ordinal) ||
                line.Contains("has timestamp too", StringComparison.Ordinal) ||
                line.Contains("Max entry size", StringComparison.Ordinal))
            {
                Add(counts, ReasonOf(line), 1);
                listed++;
            }
        }

        // Without Loki's count, the whole batch is taken as refused: what is counted may then be too much, never too little.
        // A count past int's range (only a proxy's body could hold one) is more than the batch anyway.
        var total = TotalIgnored().Match(body);
        var ignored = total.Success && int.TryParse(total.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : entriesInBatch;
        ignored = Math.Min(ignored, entriesInBatch);
        if (listed > ignored)
        {
            counts.Clear();
            listed = 0;
        }

        if (listed == 0)
        {
            Add(counts, ReasonOf(body), ignored);
        }
        else if (ignored > listed)
        {
            Add(counts, counts.MaxBy(c => c.Value).Key, ignored - listed);
        }

        return counts;
    }

    /// <summary>The reason a Loki message gives, as one of <see cref="Known"/>.</summary>
    public static string ReasonOf(string message) => message switch
    {
        _ when message.Contains("too far behind", StringComparison.Ordinal) => "too_far_behind",
        _ when message.Contains("timestamp too old", StringComparison.Ordinal) => "too_old",
        _ when message.Contains("timestamp too new", StringComparison.Ordinal) => "too_new",
        _ when message.Contains("Max entry size", StringComparison.Ordinal) || message.Contains("line too long", StringComparison.Ordinal) => "line_too_long",
        _ when message.Contains("label names; limit", StringComparison.Ordinal) => "too_many_labels",
        _ when message.Contains("label", StringComparison.OrdinalIgnoreCase) => "invalid_labels",
        _ => "other",
    };

    private static void Add(Dictionary<string, int> counts, string reason, int count) =>
        counts[reason] = counts.GetValueOrDefault(reason) + count;

    [GeneratedRegex("total ignored: ([0-9]+) out of [0-9]+")]
    private static partial Regex TotalIgnored();
}
