namespace Aggregator.Simulation.Loki;

/// <summary>A snapshot of one stream held by the Loki double: its normalised label set and its entries in arrival order.</summary>
public sealed record StoredStream(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<StoredEntry> Entries)
{
    /// <summary>The label set as <c>{a="x",b="y"}</c>: sorted by name, values quoted as Go's strconv.Quote does.</summary>
    public string LabelString { get; } = GoText.LabelSet(Labels, separator: ",");

    /// <summary>The tenant the stream belongs to: X-Scope-OrgID when a tenant is required, otherwise Loki's single-tenant "fake".</summary>
    public string Tenant { get; init; } = LokiDouble.SingleTenant;
}
