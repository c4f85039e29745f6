using System.Text.RegularExpressions;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>A parsed <c>labelSelector</c>: equality (<c>=</c>, <c>==</c>, <c>!=</c>), set (<c>in</c>, <c>notin</c>) and existence terms.</summary>
internal sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Func<IDictionary<string, string>, bool>> requirements;

    private LabelSelector(IReadOnlyList<Func<IDictionary<string, string>, bool>> requirements) => this.requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool Matches(IDictionary<string, string>? labels)
    {
        var present = labels ?? new Dictionary<string, string>();
        return requirements.All(requirement => requirement(present));
    }

    public static bool TryParse(string? text, out LabelSelector selector, out string error)
    {
        selector = Everything;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parsed = new List<Func<IDictionary<string, string>, bool>>();
        foreach (var rawTerm in SplitTopLevel(text))
        {
            var term = rawTerm.Trim();
            var requirement = ParseTerm(term);
            if (requirement is null)
            {
                error = $"unable to parse requirement: invalid label selector term \"{term}\"";
                return false;
            }

            parsed.Add(requirement);
        }

        selector = new LabelSelector(parsed);
        return true;
    }

    private static Func<IDictionary<string, string>, bool>? ParseTerm(string term)
    {
        if (term.Length == 0)
        {
            return null;
        }

        var set = SetTerm().Match(term);
        if (set.Success)
        {
            var key = set.Groups["key"].Value;
            var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return set.Groups["op"].Value == "in"
                ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            var key = term[..notEqual].Trim();
            var value = term[(notEqual + 2)..].Trim();
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        var equal = term.IndexOf('=', StringComparison.Ordinal);
        if (equal > 0)
        {
            var key = term[..equal].Trim();
            var value = term[(term.AsSpan(equal).StartsWith("==") ? equal + 2 : equal + 1)..].Trim();
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return key.Length == 0 ? null : labels => !labels.ContainsKey(key);
        }

        return term.Contains(' ', StringComparison.Ordinal) ? null : labels => labels.ContainsKey(term);
    }

    /// <summary>Splits on commas that are not inside the parentheses of a set term.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    [GeneratedRegex(@"^(?<key>[^\s!=(),]+)\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex SetTerm();
}
