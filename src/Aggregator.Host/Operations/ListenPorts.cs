using System.Net;
using System.Net.Sockets;

namespace Aggregator.Host.Operations;

/// <summary>
/// The ports the aggregator will listen on, checked before anything starts: a port another process holds is then
/// said in one line, where otherwise Kestrel's or Akka.Remote's start would fail with stack traces (Akka.Hosting even
/// prints its own to the console) before any line of ours.
/// </summary>
public static class ListenPorts
{
    /// <summary>
    /// The first configured endpoint whose port is in use (or, below 1024, not this user's) or whose address this host
    /// cannot listen on, described in one line with the setting to change; null when all can listen.
    /// </summary>
    public static string? FirstInUse(AggregatorSettings settings)
    {
        foreach (var (name, address, port, portSetting, addressSetting) in Configured(settings))
        {
            if (Refusal(address, port) is { } refusal)
            {
                return CannotListen(name, address, port, refusal.Message, refusal.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied
                    ? $"{portSetting} sets another port"
                    : $"{addressSetting} must be an address of this host");
            }
        }

        return null;
    }

    /// <summary>The one-line description of an endpoint that cannot listen, and what to change in the settings.</summary>
    public static string CannotListen(string name, IPAddress address, int port, string reason, string remedy) =>
        $"the {name} cannot listen on {address}:{port} ({reason}); {remedy}";

    private static IEnumerable<(string Name, IPAddress Address, int Port, string PortSetting, string AddressSetting)> Configured(AggregatorSettings settings)
    {
        yield return ("admin endpoint", settings.Admin.Address, settings.Admin.Port, "ADMIN_PORT", "Aggregator:Admin:Address");
        yield return ("metrics endpoint", settings.Metrics.Address, settings.Metrics.Port, "METRICS_PORT", "Aggregator:Metrics:Address");
        if (settings.Cluster is not { } cluster)
        {
            yield break;
        }

        yield return ("cluster's remoting", IPAddress.Parse(cluster.BindHostname), cluster.Port, "REMOTING_PORT", "POD_IP (Aggregator:Cluster:Hostname)");

        if (cluster.Bootstrap is { } bootstrap)
        {
            yield return ("cluster bootstrap's management endpoint", IPAddress.Any, bootstrap.ManagementPort, "Aggregator:Cluster:ManagementPort", string.Empty);
        }
    }

    private static SocketException? Refusal(IPAddress address, int port)
    {
        // Kestrel listens on "any" as IPv6 any in dual mode where the host has IPv6: probe the same socket.
        var probe = address.Equals(IPAddress.Any) && Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : address;
        try
        {
            using var socket = new Socket(probe.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (probe.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            // As the servers bind: a port whose last connections linger in TIME_WAIT is free to listen on, a port
            // another socket listens on is not.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(probe, port));
            socket.Listen();
            return null;
        }
        catch (SocketException e)
        {
            // An IPv6 address on a host without IPv6, among others: the server would fail the same way.
            return e;
        }
    }
}
