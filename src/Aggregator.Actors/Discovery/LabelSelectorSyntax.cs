using System.Text.RegularExpressions;

namespace Aggregator.Actors.Discovery;

/// <summary>
/// Checks a pod label selector as the API server parses it (<c>k8s.io/apimachinery/pkg/labels</c>), so that one it
/// would refuse with a 400 on every list is said at start-up instead of retried for ever.
/// </summary>
/// <remarks>
/// The grammar: requirements separated by commas; each is <c>key</c> (exists), <c>!key</c> (does not exist),
/// <c>key=value</c>, <c>key==value</c>, <c>key!=value</c>, <c>key in (v1,v2)</c>, <c>key notin (v1,v2)</c>, or
/// <c>key&gt;n</c> / <c>key&lt;n</c> with a whole number. Keys are qualified names (an optional DNS-subdomain prefix
/// and a slash, then a name of at most 63 characters); values are empty or names of at most 63 characters.
/// </remarks>
public static partial class LabelSelectorSyntax
{
    /// <summary>What is wrong with <paramref name="selector"/>, in words; null when the API server would take it.</summary>
    public static string? Problem(string selector)
    {
        var tokens = Tokens(selector);
        var at = 0;
        while (true)
        {
            if (Requirement(tokens, ref at) is { } problem)
            {
                return problem;
            }

            if (at == tokens.Count)
            {
                return null;
            }

            if (tokens[at] != ",")
            {
                return $"expected ',' after a requirement, found '{tokens[at]}'";
            }

            at++;
        }
    }

    private static string? Requirement(List<string> tokens, ref int at)
    {
        var negated = At(tokens, at) == "!";
        if (negated)
        {
            at++;
        }

        if (At(tokens, at) is not { } key || IsOperator(key))
        {
            return "expected a label key";
        }

        if (KeyProblem(key) is { } keyProblem)
        {
            return keyProblem;
        }

        at++;
        var next = At(tokens, at);
        if (negated || next is null || next == ",")
        {
            return negated && next is not null && next != "," ? $"'!{key}' takes no operator, found '{next}'" : null;
        }

        at++;
        switch (next)
        {
            case "=" or "==" or "!=":
                // An empty value is a value: "tier=" selects pods whose tier label is empty.
                if (At(tokens, at) is { } value && !IsOperator(value))
                {
                    at++;
                    return ValueProblem(value);
                }

                return null;
            case ">" or "<":
                if (At(tokens, at) is { } number && long.TryParse(number, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    at++;
                    return null;
                }

                return $"'{key} {next}' needs a whole number";
            case "in" or "notin":
                return Values(tokens, ref at, key, next);
            default:
                return $"expected an operator (=, ==, !=, in, notin, >, <) after '{key}', found '{next}'";
        }
    }

    private static string? Values(List<string> tokens, ref int at, string key, string operation)
    {
        if (At(tokens, at) != "(")
        {
            return $"'{key} {operation}' needs a list of values in parentheses, such as ({key}-a,{key}-b)";
        }

        at++;
        var count = 0;
        while (true)
        {
            var token = At(tokens, at);
            if (token is null)
            {
                return $"the values of '{key} {operation}' are not closed with ')'";
            }

            if (token == ")")
            {
                at++;
                return count == 0 ? $"'{key} {operation} ()' has no value" : null;
            }

            if (token == ",")
            {
                at++;
                continue;
            }

            if (IsOperator(token))
            {
                return $"unexpected '{token}' among the values of '{key} {operation}'";
            }

            if (ValueProblem(token) is { } problem)
            {
                return problem;
            }

            count++;
            at++;
        }
    }

    private static string? KeyProblem(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))
            {
                return $"the key '{key}' has a prefix that is not a DNS subdomain (lower-case letters, digits, '-' and '.')";
            }
        }

        return name.Length is > 0 and <= 63 && Name().IsMatch(name)
            ? null
            : $"the key '{key}' is not a label name (at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)";
    }

    private static string? ValueProblem(string value) =>
        value.Length <= 63 && (value.Length == 0 || Name().IsMatch(value))
            ? null
            : $"the value '{value}' is not a label value (at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)";

    private static bool IsOperator(string token) => token is "," or "(" or ")" or "=" or "==" or "!=" or "!" or ">" or "<";

    private static string? At(List<string> tokens, int at) => at < tokens.Count ? tokens[at] : null;

    /// <summary>The selector's tokens, as the API server's lexer reads them: operators, and words between them and spaces.</summary>
    private static List<string> Tokens(string selector)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < selector.Length)
        {
            var c = selector[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '=' or '!' && i + 1 < selector.Length && selector[i + 1] == '=')
            {
                tokens.Add(selector.Substring(i, 2));
                i += 2;
            }
            else if (c is ',' or '(' or ')' or '=' or '!' or '>' or '<')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                var start = i;
                while (i < selector.Length && !char.IsWhiteSpace(selector[i]) && selector[i] is not (',' or '(' or ')' or '=' or '!' or '>' or '<'))
                {
                    i++;
                }

                tokens.Add(selector[start..i]);
            }
        }

        return tokens;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex Name();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
