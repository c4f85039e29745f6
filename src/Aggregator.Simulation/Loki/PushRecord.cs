namespace Aggregator.Simulation.Loki;

/// <summary>What the Loki double saw of one push request and what it answered.</summary>
/// <param name="Time">When the request was answered.</param>
/// <param name="StatusCode">The status answered.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="ContentEncoding">The Content-Encoding header, if any.</param>
/// <param name="TenantId">The X-Scope-OrgID header, if any.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="StreamCount">Streams in the request (0 when it could not be decoded).</param>
/// <param name="EntryCount">Entries in the request (0 when it could not be decoded).</param>
/// <param name="RejectedCount">Entries rejected by validation (duplicates are not rejections).</param>
/// <param name="DuplicateCount">Entries dropped silently because the stream already held the same timestamp and line.</param>
/// <param name="ResponseBody">The body answered (empty for 204).</param>
public sealed record PushRecord(
    DateTimeOffset Time,
    int StatusCode,
    string? ContentType,
    string? ContentEncoding,
    string? TenantId,
    string? Authorization,
    int StreamCount,
    int EntryCount,
    int RejectedCount,
    int DuplicateCount,
    string ResponseBody);
