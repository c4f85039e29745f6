using System.Net;

namespace Aggregator.Host.Operations;

/// <summary>Where the admin endpoint listens and the bearer token it asks for (null: none, allowed on loopback only).</summary>
public sealed record AdminEndpoint(IPAddress Address, int Port, string? Token)
{
    /// <summary>Petabridge.Cmd's address and port, so operators find it where they expect it.</summary>
    public static readonly AdminEndpoint Default = new(IPAddress.Loopback, 9110, null);
}
