using Microsoft.Extensions.Hosting;

namespace Aggregator.Host.Operations;

/// <summary>
/// Keeps a host away from Ctrl+C and SIGTERM, which belong to another: an endpoint's inner web host's to the
/// aggregator's host, the demo's aggregator host's to the demo.
/// </summary>
internal sealed class QuietHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
