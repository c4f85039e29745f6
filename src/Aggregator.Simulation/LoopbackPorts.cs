using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aggregator.Simulation;

/// <summary>Free loopback ports for servers that must be named before they bind (a double restarted on its port, Akka remoting's seed list).</summary>
public static class LoopbackPorts
{
    // Outside Linux, the ephemeral range starts here (IANA's dynamic ports: macOS, Windows).
    private const int IanaEphemeralStart = 49152;

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port that was free on 127.0.0.1 a moment ago, below the range the system takes ephemeral ports from, and
    /// never the same one twice in this process.
    /// </summary>
    /// <remarks>
    /// A port read back from a bind at port 0 lies in the ephemeral range, where the system also picks the local port
    /// of every outgoing connection: between the reservation and the server's bind, any test's HTTP client could be
    /// given it, and a cluster test once failed that way ("Failed to bind to [127.0.0.1:36833]": address already in
    /// use). Below the range only an explicit bind takes a port.
    /// </remarks>
    public static int Reserve()
    {
        var ephemeralStart = EphemeralStart();
        var (low, high) = (Math.Max(1024, ephemeralStart / 2), ephemeralStart);
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(low, high);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port on 127.0.0.1 between {low} and {high - 1}");
    }

    /// <summary>The first port of the system's ephemeral range: Linux's <c>ip_local_port_range</c>, else IANA's.</summary>
    public static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture) is var start and >= 2048 ? start : IanaEphemeralStart;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return IanaEphemeralStart;
        }
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
