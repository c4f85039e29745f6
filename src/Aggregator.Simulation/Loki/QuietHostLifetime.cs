using Microsoft.Extensions.Hosting;

namespace Aggregator.Simulation.Loki;

/// <summary>Keeps the double's host away from Ctrl+C and SIGTERM, which belong to the process hosting it (tests, the demo command).</summary>
internal sealed class QuietHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
