namespace Aggregator.Simulation.Kubernetes;

/// <summary>Boolean query parameters as the API server reads them.</summary>
internal static class QueryFlags
{
    /// <summary>
    /// apimachinery's Convert_Slice_string_To_bool: absent, "0" and "false" (any case) are false,
    /// anything else — including an empty value as in <c>?follow</c> — is true. This is a superset of Go's ParseBool trues.
    /// </summary>
    public static bool IsTrue(string? value) =>
        value is not null && value != "0" && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);
}
