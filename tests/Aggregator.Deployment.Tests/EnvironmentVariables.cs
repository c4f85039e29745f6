using System.Reflection;
using Aggregator.Host;

namespace Aggregator.Deployment.Tests;

/// <summary>Whether the aggregator reads an environment variable, and if not, why not.</summary>
internal static class EnvironmentVariables
{
    /// <summary>Null when the aggregator reads <paramref name="name"/>, else the reason it does not.</summary>
    public static string? WhyUnread(string name)
    {
        if (LegacyEnvironment.Keys.ContainsKey(name) || name == "KUBECONFIG"
            || name.StartsWith("DOTNET_", StringComparison.Ordinal) || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
        {
            return null;
        }

        const string Prefix = AggregatorOptions.Section + "__";
        if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return $"{name} is neither one of the aggregator's variables ({string.Join(", ", LegacyEnvironment.Keys.Keys.Order(StringComparer.Ordinal))}), "
                + "nor Aggregator__<setting>, KUBECONFIG, DOTNET_* or ASPNETCORE_*";
        }

        var path = name[Prefix.Length..].Split("__");
        var type = typeof(AggregatorOptions);
        for (var i = 0; i < path.Length; i++)
        {
            if (IsLeaf(type))
            {
                return $"{name}: {string.Join(":", path[..i])} is a {type.Name}, it has no {path[i]}";
            }

            if (DictionaryValueType(type) is { } valueType)
            {
                type = valueType;
                continue;
            }

            var property = type.GetProperty(path[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return $"{name}: {type.Name} has no setting {path[i]} (it has {string.Join(", ", type.GetProperties().Select(p => p.Name))})";
            }

            type = property.PropertyType;
        }

        return IsLeaf(type) ? null : $"{name} names the section {type.Name}, not one setting";
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);
    }

    /// <summary>The value type of a string-keyed dictionary (whose next path segment is any key), else null.</summary>
    private static Type? DictionaryValueType(Type type) =>
        new[] { type }.Concat(type.GetInterfaces())
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IDictionary<,>) && t.GetGenericArguments()[0] == typeof(string))
            .Select(t => t.GetGenericArguments()[1])
            .FirstOrDefault();
}
