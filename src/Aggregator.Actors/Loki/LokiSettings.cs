namespace Aggregator.Actors.Loki;

/// <summary>How to reach Loki's push endpoint.</summary>
public sealed record LokiSettings
{
    /// <summary>The full push URL (…/loki/api/v1/push).</summary>
    public required Uri PushUri { get; init; }

    /// <summary>Sent as X-Scope-OrgID when set (multi-tenant Loki).</summary>
    public string? TenantId { get; init; }

    /// <summary>Basic authentication user; requires <see cref="Password"/>.</summary>
    public string? Username { get; init; }

    /// <summary>Basic authentication password.</summary>
    public string? Password { get; init; }

    /// <summary>A bearer token.</summary>
    public string? BearerToken { get; init; }

    /// <summary>A file holding the bearer token; re-read whenever it changes (projected tokens rotate).</summary>
    public string? BearerTokenFile { get; init; }

    /// <summary>A PEM file of CA certificates to trust for Loki's TLS certificate, instead of the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>How long one push may take before it counts as failed and is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
