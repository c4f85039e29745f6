using System.Text.RegularExpressions;

namespace Aggregator.Simulation.Loki;

/// <summary>One matcher of a LogQL stream selector: <c>=</c>, <c>!=</c>, <c>=~</c> or <c>!~</c>; regexes are anchored at both ends as in Prometheus.</summary>
public sealed class LabelMatcher
{
    private readonly Regex? regex;

    /// <summary>Creates a matcher; throws <see cref="ArgumentException"/> for an invalid regex.</summary>
    public LabelMatcher(string name, string op, string value)
    {
        Name = name;
        Operator = op;
        Value = value;
        if (op is "=~" or "!~")
        {
            regex = new Regex("^(?:" + value + ")$", RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The label name.</summary>
    public string Name { get; }

    /// <summary>The operator as written.</summary>
    public string Operator { get; }

    /// <summary>The value or pattern.</summary>
    public string Value { get; }

    /// <summary>Whether a label value (empty when the label is absent, as in Prometheus) matches.</summary>
    public bool Matches(string? labelValue)
    {
        var value = labelValue ?? string.Empty;
        return Operator switch
        {
            "=" => string.Equals(value, Value, StringComparison.Ordinal),
            "!=" => !string.Equals(value, Value, StringComparison.Ordinal),
            "=~" => regex!.IsMatch(value),
            _ => !regex!.IsMatch(value),
        };
    }
}
