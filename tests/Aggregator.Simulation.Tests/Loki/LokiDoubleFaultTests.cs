using System.Diagnostics;
using System.Net.Sockets;
using Aggregator.Simulation.Loki;
using Xunit;
using static Aggregator.Simulation.Tests.Loki.LokiRequests;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LokiDoubleFaultTests
{
    private static readonly Dictionary<string, string> AppA = new() { ["app"] = "a" };

    [Fact(Timeout = 30000)]
    public async Task A_double_restarted_on_the_same_port_serves_again_and_refuses_connections_while_stopped()
    {
        var port = LoopbackPorts.Reserve();
        var first = await LokiDouble.StartAsync(new LokiDoubleOptions { Port = port });
        var pushUri = first.PushUri;
        Assert.Equal(port, pushUri.Port);

        // A client that keeps its connection alive: stopping the double closes it from the server side, which
        // leaves that connection in TIME_WAIT on the double's port; rebinding must not be blocked by it.
        using (var keepAlive = new HttpClient())
        {
            using (var content = SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "before")]))))
            using (var response = await keepAlive.PostAsync(pushUri, content))
            {
                Assert.Equal(204, (int)response.StatusCode);
            }

            await first.DisposeAsync();
        }

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => PushAsync(pushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "lost")])))));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        await using var second = await LokiDouble.StartAsync(new LokiDoubleOptions { Port = port });
        Assert.Equal(pushUri, second.PushUri);
        Assert.Equal(204, (await PushAsync(pushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "after")]))))).Status);
        Assert.Equal(["after"], second.EntriesOf(AppA).Select(e => e.Line));
        Assert.Equal(["before"], first.EntriesOf(AppA).Select(e => e.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task Reserved_ports_are_free_to_bind()
    {
        var port = LoopbackPorts.Reserve();
        Assert.InRange(port, 1, 65535);

        var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
        await Task.CompletedTask;
    }

    [Fact(Timeout = 30000)]
    public async Task Response_delay_holds_each_push_before_it_is_stored_and_answered_and_can_change_while_running()
    {
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { ResponseDelay = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(TimeSpan.FromMilliseconds(300), loki.ResponseDelay);

        var clock = Stopwatch.StartNew();
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "slow")]))))).Status);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");

        loki.ResponseDelay = TimeSpan.FromHours(1);
        var held = Enumerable.Range(0, 3)
            .Select(i => PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos + i, "held " + i)])))))
            .ToList();
        await WaitUntilAsync(() => loki.PushesInFlight == 3, "three pushes are held");
        Assert.Equal(1, loki.EntryCount);
        Assert.Single(loki.Pushes);

        // A new value applies to pushes arriving afterwards; the held ones keep waiting.
        loki.ResponseDelay = TimeSpan.Zero;
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(Push(("{app=\"a\"}", [(NowNanos, "fast")]))))).Status);
        Assert.Equal(["slow", "fast"], loki.EntriesOf(AppA).Select(e => e.Line));
        Assert.Equal(3, loki.PushesInFlight);
        Assert.All(held, t => Assert.False(t.IsCompleted));

        // Disposing does not wait an hour: the held pushes are cut, and nothing of them is stored.
        await loki.DisposeAsync();
        foreach (var push in held)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => push);
        }

        Assert.Equal(2, loki.EntryCount);
        Assert.Equal(0, loki.PushesInFlight);
        Assert.Throws<ArgumentOutOfRangeException>(() => loki.ResponseDelay = TimeSpan.FromSeconds(-1));
    }

    [Fact(Timeout = 30000)]
    public async Task A_down_double_answers_every_push_with_its_status_and_stores_nothing_until_up()
    {
        await using var loki = await LokiDouble.StartAsync();
        var request = Push(("{app=\"a\"}", [(NowNanos, "x")]));
        loki.EnqueueResponses(500, body: "queued");

        loki.SetDown(503);
        Assert.Equal(503, loki.DownStatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal((503, "injected by the Loki double: Service Unavailable\n"), await PushAsync(loki.PushUri, SnappyProtobuf(request)));
        }

        loki.SetDown(429);
        var (status, body) = await PushAsync(loki.PushUri, SnappyProtobuf(request));
        Assert.Equal(429, status);
        Assert.StartsWith("Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1' lines totaling '1' bytes", body, StringComparison.Ordinal);
        Assert.Equal(0, loki.EntryCount);

        loki.SetUp();
        Assert.Null(loki.DownStatusCode);

        // The queued response waited for the outage to end.
        Assert.Equal((500, "queued\n"), await PushAsync(loki.PushUri, SnappyProtobuf(request)));
        Assert.Equal(204, (await PushAsync(loki.PushUri, SnappyProtobuf(request))).Status);
        Assert.Equal(1, loki.EntryCount);
        Assert.Equal([503, 503, 503, 503, 503, 429, 500, 204], loki.Pushes.Select(p => p.StatusCode));
        Assert.Equal(1, loki.Pushes[0].EntryCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => loki.SetDown(204));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(10000);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(5);
        }
    }
}
