namespace Aggregator.Simulation.Loki;

/// <summary>Parses a stream's labels string as Loki does (Prometheus' ParseMetric): <c>{a="x", b="y"}</c>, optionally preceded by a metric name.</summary>
public static class LabelSetParser
{
    /// <summary>The label pairs in written order, duplicates and empty values included; throws <see cref="LabelSyntaxException"/> on bad syntax.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var scanner = new LabelSyntaxScanner(labels);
        var pairs = new List<KeyValuePair<string, string>>();
        var metricName = scanner.TryReadIdentifier(allowColon: true);
        if (metricName is not null)
        {
            pairs.Add(new("__name__", metricName));
            scanner.SkipSpace();
            if (scanner.AtEnd)
            {
                return pairs;
            }
        }

        if (!scanner.TryConsume('{'))
        {
            throw scanner.Error("unexpected " + scanner.DescribeNext());
        }

        while (true)
        {
            if (scanner.TryConsume('}'))
            {
                break;
            }

            scanner.SkipSpace();
            if (scanner.AtEnd)
            {
                throw scanner.Error("unexpected end of input inside braces");
            }

            var name = scanner.TryReadIdentifier() ?? throw Unexpected(scanner, "identifier or \"}\"");
            if (!scanner.TryConsume('=') || scanner.TryConsume('~'))
            {
                throw Unexpected(scanner, "\"=\"");
            }

            scanner.SkipSpace();
            if (scanner.AtEnd || scanner.Current is not ('"' or '\'' or '`'))
            {
                throw Unexpected(scanner, "string");
            }

            pairs.Add(new(name, scanner.ReadQuoted()));
            if (scanner.TryConsume(','))
            {
                continue;
            }

            if (scanner.TryConsume('}'))
            {
                break;
            }

            throw Unexpected(scanner, "\",\" or \"}\"");
        }

        scanner.SkipSpace();
        if (!scanner.AtEnd)
        {
            throw scanner.Error("unexpected " + scanner.DescribeNext());
        }

        return pairs;
    }

    private static LabelSyntaxException Unexpected(LabelSyntaxScanner scanner, string expected)
    {
        scanner.SkipSpace();
        return scanner.AtEnd
            ? scanner.Error("unexpected end of input inside braces")
            : scanner.Error("unexpected " + scanner.DescribeNext() + " in label set, expected " + expected);
    }

    /// <summary>Loki's normalisation (labels.Builder): drops every name that has an empty value, then sorts by name; duplicates stay for validation to report.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Normalise(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var emptied = pairs.Where(p => p.Value.Length == 0).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return pairs.Where(p => !emptied.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
    }
}
