using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Aggregator.Simulation.Tests;

/// <summary>Reserved ports are bindable, distinct, and out of the way of outgoing connections' ephemeral ports.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Reserved_ports_are_distinct_free_and_below_the_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => LoopbackPorts.Reserve()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, LoopbackPorts.EphemeralStart() - 1));
        var listeners = ports.Select(port => new TcpListener(IPAddress.Loopback, port)).ToList();
        try
        {
            listeners.ForEach(listener => listener.Start());
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }

    [Fact]
    public void An_outgoing_connection_never_gets_a_reserved_port()
    {
        // The system picks an outgoing connection's local port from its ephemeral range, which reserved ports avoid.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port);

        Assert.True(((IPEndPoint)client.Client.LocalEndPoint!).Port >= LoopbackPorts.EphemeralStart());
    }
}
