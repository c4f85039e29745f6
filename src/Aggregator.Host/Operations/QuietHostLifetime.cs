using Microsoft.Extensions.Hosting;

namespace Aggregator.Host.Operations;

/// <summary>Keeps an endpoint's inner web host away from Ctrl+C and SIGTERM, which belong to the aggregator's own host.</summary>
internal sealed class QuietHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
