namespace Aggregator.Simulation.Loki;

/// <summary>Parses the stream selector of a LogQL query, <c>{a="x", b=~"y.*"}</c>; the double does not evaluate pipelines.</summary>
public static class LogSelectorParser
{
    /// <summary>The matchers of the selector; throws <see cref="LabelSyntaxException"/> on bad or unsupported syntax.</summary>
    public static IReadOnlyList<LabelMatcher> Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scanner = new LabelSyntaxScanner(query);
        if (!scanner.TryConsume('{'))
        {
            throw scanner.Error("syntax error: unexpected " + scanner.DescribeNext() + ", expecting {");
        }

        var matchers = new List<LabelMatcher>();
        while (!scanner.TryConsume('}'))
        {
            var name = scanner.TryReadIdentifier()
                ?? throw scanner.Error("syntax error: unexpected " + scanner.DescribeNext() + ", expecting IDENTIFIER");
            var op = scanner.TryConsume("=~") ? "=~"
                : scanner.TryConsume("!~") ? "!~"
                : scanner.TryConsume("!=") ? "!="
                : scanner.TryConsume("=") ? "="
                : throw scanner.Error("syntax error: unexpected " + scanner.DescribeNext() + ", expecting = or =~ or !~ or !=");
            scanner.SkipSpace();
            if (scanner.AtEnd || scanner.Current is not ('"' or '`'))
            {
                throw scanner.Error("syntax error: unexpected " + scanner.DescribeNext() + ", expecting STRING");
            }

            var value = scanner.ReadQuoted();
            try
            {
                matchers.Add(new LabelMatcher(name, op, value));
            }
            catch (ArgumentException ex)
            {
                throw scanner.Error("invalid regular expression: " + ex.Message);
            }

            if (!scanner.TryConsume(','))
            {
                scanner.SkipSpace();
                if (scanner.AtEnd || scanner.Current != '}')
                {
                    throw scanner.Error("syntax error: unexpected " + scanner.DescribeNext() + ", expecting } or ,");
                }
            }
        }

        scanner.SkipSpace();
        if (!scanner.AtEnd)
        {
            throw scanner.Error("the Loki double only evaluates stream selectors, not pipelines: unexpected " + scanner.DescribeNext());
        }

        if (matchers.Count == 0)
        {
            throw scanner.Error("syntax error: unexpected }, expecting IDENTIFIER");
        }

        return matchers;
    }
}
