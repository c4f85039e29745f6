using System.Reflection;

namespace Aggregator.Host;

/// <summary>
/// The settings <c>run</c> and <c>demo</c> take on the command line: <c>--Aggregator:Key=value</c> for a key of
/// <see cref="AggregatorOptions"/>, and <c>--Logging:…=value</c>; <c>--Key value</c> as well, which the configuration's
/// command-line provider reads the same.
/// </summary>
/// <remarks>
/// The provider itself keeps any <c>--name=value</c> under its name and skips what it cannot read, so a mistyped
/// argument would leave the setting it was meant for at its default without a word: <c>--namespace shop</c> tails the
/// pod's own namespace.
/// </remarks>
public static class CommandLineSettings
{
    private const string Expected = "expected --Aggregator:Key=value (README \"Configuration\") or --Logging:Key=value";

    /// <summary>Refuses the first argument that is not a setting the aggregator reads.</summary>
    /// <exception cref="ConfigurationException">One line naming the argument and the form expected.</exception>
    public static void Check(IReadOnlyList<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                throw new ConfigurationException($"'{argument}' is not a setting: {Expected}");
            }

            var separator = argument.IndexOf('=', StringComparison.Ordinal);
            var key = separator < 0 ? argument[2..] : argument[2..separator];
            string? value = separator < 0 ? null : argument[(separator + 1)..];
            if (value is null)
            {
                // "--Key value": the next argument is the value, unless it is the next setting, which the provider
                // would take for the value all the same.
                if (i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = arguments[++i];
                }
                else if (Refusal(key, "value") is null)
                {
                    throw new ConfigurationException($"'{argument}' has no value: expected --{key}=value");
                }
            }

            if (Refusal(key, value ?? "value") is { } refusal)
            {
                throw new ConfigurationException($"'{argument}' is not a setting: {refusal}");
            }
        }
    }

    // Why the key is no setting, or null when it is one.
    private static string? Refusal(string key, string value)
    {
        var segments = key.Split(':');
        if (string.Equals(segments[0], "Logging", StringComparison.OrdinalIgnoreCase))
        {
            // Log levels by category, console formatter options: the logging providers read what they know.
            return segments.Length > 1 && segments.All(s => s.Length > 0) ? null : Expected;
        }

        if (!string.Equals(segments[0], AggregatorOptions.Section, StringComparison.OrdinalIgnoreCase))
        {
            // NAMESPACE=shop works in the environment: say how the command line writes it.
            return LegacyEnvironment.Keys.FirstOrDefault(k => string.Equals(k.Key, key, StringComparison.OrdinalIgnoreCase)) is { Value: { } mapped } legacy
                ? $"{legacy.Key} is an environment variable; on the command line write --{mapped}={value}"
                : Expected;
        }

        var type = typeof(AggregatorOptions);
        var path = AggregatorOptions.Section;
        foreach (var segment in segments.Skip(1))
        {
            if (DictionaryValue(type) is { } entry)
            {
                // Aggregator:PodLabels:<label>: any name is a key.
                type = entry;
                path += ":" + segment;
                continue;
            }

            if (IsValue(type))
            {
                return $"{path} is a value, not a section: expected --{path}=value";
            }

            var property = Properties(type).FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return $"{path} has no key '{segment}' (its keys: {string.Join(", ", Properties(type).Select(p => p.Name))})";
            }

            type = property.PropertyType;
            path += ":" + property.Name;
        }

        return IsValue(type)
            ? null
            : $"{path} is a section: expected one of its keys, --{path}:Key=value" +
              (DictionaryValue(type) is null ? $" (its keys: {string.Join(", ", Properties(type).Select(p => p.Name))})" : string.Empty);
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || Nullable.GetUnderlyingType(type) is not null;

    private static Type? DictionaryValue(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;
}
