using System.Globalization;
using System.Text;

namespace Aggregator.Actors.Pipeline;

/// <summary>A Loki stream's labels: sanitised names, sorted, rendered once in Loki's label-set syntax.</summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    private readonly KeyValuePair<string, string>[] _labels;

    private LabelSet(KeyValuePair<string, string>[] labels, string rendered)
    {
        _labels = labels;
        Rendered = rendered;
    }

    /// <summary>The labels in Loki's syntax, e.g. <c>{app="web",namespace="prod"}</c>.</summary>
    public string Rendered { get; }

    /// <summary>The labels, sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels => _labels;

    /// <summary>
    /// Builds a label set the way Loki will read it: names sanitised, empty values dropped (Loki drops them
    /// too), later duplicates of a sanitised name ignored so that the set is never rejected as a whole.
    /// </summary>
    public static LabelSet Create(IEnumerable<KeyValuePair<string, string?>> labels)
    {
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var sanitised = SanitiseName(name);
            if (sanitised.Length > 0)
            {
                byName.TryAdd(sanitised, value);
            }
        }

        if (byName.Count == 0)
        {
            throw new ArgumentException("A Loki stream needs at least one label with a value.", nameof(labels));
        }

        var array = byName.ToArray();
        return new LabelSet(array, Render(array));
    }

    /// <summary>Turns any key (a Kubernetes label such as <c>app.kubernetes.io/name</c>) into a valid Loki label name.</summary>
    public static string SanitiseName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        if (char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        // Names starting with "__" are reserved for Loki's internal use.
        while (builder.Length > 1 && builder[0] == '_' && builder[1] == '_')
        {
            builder.Remove(0, 1);
        }

        return builder.ToString();
    }

    /// <summary>Quotes a label value the way Loki's parser reads it back (Go escapes; other control characters as \u00XX).</summary>
    public static void AppendQuoted(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (c == '\uFFFD' || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))))
                    {
                        // A lone surrogate cannot be sent as UTF-8, and Loki's parser refuses a literal U+FFFD as
                        // invalid UTF-8; the escape reads back as U+FFFD.
                        builder.Append(@"\ufffd");
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                        if (char.IsHighSurrogate(c))
                        {
                            builder.Append(value[++i]);
                        }
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    private static string Render(KeyValuePair<string, string>[] labels)
    {
        var builder = new StringBuilder(64);
        builder.Append('{');
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(labels[i].Key).Append('=');
            AppendQuoted(builder, labels[i].Value);
        }

        return builder.Append('}').ToString();
    }

    public bool Equals(LabelSet? other) => other is not null && string.Equals(Rendered, other.Rendered, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Rendered);

    public override string ToString() => Rendered;
}
