using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Aggregator.Deployment.Tests;

/// <summary>
/// YAML read into System.Text.Json nodes, so that manifests, kubectl's output, the compose file and the dashboard are
/// all compared and queried alike. Every scalar stays a string (<c>replicas: 1</c> is <c>"1"</c>, <c>"9102"</c> is
/// <c>"9102"</c>): how a value was quoted never decides a comparison. A plain <c>null</c>, <c>~</c> or empty value is null.
/// </summary>
internal static class Yaml
{
    /// <summary>Every document of a YAML text (empty documents left out).</summary>
    public static IReadOnlyList<JsonNode?> LoadAll(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}: not valid YAML: {e.Message}", e);
        }

        return [.. stream.Documents.Where(d => !IsEmpty(d.RootNode)).Select(d => ToNode(d.RootNode, source))];
    }

    /// <summary>Every document of a YAML file.</summary>
    public static IReadOnlyList<JsonNode?> LoadFile(string path) => LoadAll(File.ReadAllText(path), Repository.Relative(path));

    /// <summary>The single document of a YAML file, which must be a mapping.</summary>
    public static JsonObject LoadObject(string path)
    {
        var documents = LoadFile(path);
        Assert.True(documents.Count == 1, $"{Repository.Relative(path)}: expected one YAML document, found {documents.Count}");
        return documents[0] as JsonObject ?? throw new InvalidDataException($"{Repository.Relative(path)}: the document is not a mapping");
    }

    /// <summary>A string at a '/'-separated path of object keys and array indexes, or null when any part is missing.</summary>
    public static string? Text(this JsonNode? node, string path) => node.At(path) switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    /// <summary>The node at a '/'-separated path of object keys and array indexes, or null.</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(part, out var child) ? child : null,
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>The items of an array at a path (none when it is missing).</summary>
    public static IEnumerable<JsonNode?> Items(this JsonNode? node, string path) => node.At(path) as JsonArray ?? [];

    /// <summary>The strings of an array at a path.</summary>
    public static IReadOnlyList<string> Strings(this JsonNode? node, string path) =>
        [.. node.Items(path).Select(i => i is JsonValue v && v.TryGetValue(out string? s) ? s : i?.ToJsonString() ?? "null")];

    /// <summary>Indented JSON for messages.</summary>
    public static string Show(this JsonNode? node) =>
        node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";

    private static bool IsEmpty(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && scalar.Value is null or "" or "~" or "null";

    private static JsonNode? ToNode(YamlNode node, string source)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var result = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = (key as YamlScalarNode)?.Value
                        ?? throw new InvalidDataException($"{source}: a mapping key at {key.Start} is not a scalar");
                    if (name == "<<")
                    {
                        throw new NotSupportedException($"{source}: YAML merge keys (<<) are not supported by these tests");
                    }

                    if (!result.TryAdd(name, ToNode(value, source)))
                    {
                        throw new InvalidDataException($"{source}: duplicate key '{name}' at {key.Start}");
                    }
                }

                return result;
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(c => ToNode(c, source))]);
            case YamlScalarNode scalar:
                if (scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                return JsonValue.Create(scalar.Value ?? "");
            default:
                throw new InvalidDataException($"{source}: unexpected YAML node {node.NodeType} at {node.Start}");
        }
    }
}
