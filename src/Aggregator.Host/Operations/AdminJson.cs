using System.Text.Json;

namespace Aggregator.Host.Operations;

/// <summary>The JSON form of the admin reports, shared by the endpoint and <c>aggregator ctl</c>.</summary>
public static class AdminJson
{
    /// <summary>camelCase names, as web APIs write them.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The same, indented, for <c>--json</c> output meant for people and jq alike.</summary>
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
