using System.Net;
using Aggregator.Actors.Discovery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.Host.Operations;

/// <summary>
/// The admin endpoint (for <c>aggregator ctl</c>) and the metrics endpoint (/metrics, /healthz, /readyz), each a
/// small Kestrel server of its own in the aggregator's process, so that each can have its own address: admin on
/// loopback, metrics where Prometheus and the kubelet reach it. Started after the actor system, stopped before it.
/// </summary>
internal sealed class OperationsEndpoints(
    AggregatorSettings settings, AggregatorRuntime runtime, RecentLogs logs, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan RateSampleInterval = TimeSpan.FromSeconds(5);
    private readonly ShippingRate _rate = new(TimeSpan.FromMinutes(1));
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<WebApplication> _apps = [];
    private readonly ILogger _log = loggerFactory.CreateLogger<OperationsEndpoints>();
    private Task _sampling = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var reports = new AdminReports(settings, runtime, logs, _rate);
        var admin = settings.Admin;
        runtime.AdminPort = await StartAsync("Admin endpoint", admin.Address, admin.Port, app => AdminApi.Map(app, reports, admin.Token), "ADMIN_PORT", cancellationToken)
            .ConfigureAwait(false);
        var metrics = settings.Metrics;
        runtime.MetricsPort = await StartAsync(
                "Metrics endpoint", metrics.Address, metrics.Port, app => MetricsApi.Map(app, reports, runtime.Counters.Registry, metrics.StuckAfter), "METRICS_PORT",
                cancellationToken)
            .ConfigureAwait(false);
        // An empty LOKI_URL means standard output, which inside a pod reaches no one: said once, where it is seen first.
        OperationsLog.Shipping(_log, settings.Loki is { } loki ? $"Loki at {loki.PushUri}" : "standard output as JSON lines (LOKI_URL is not set)");
        if (!PodJson.TrimsPodsOf(settings.Kubernetes))
        {
            // Unsaid, this cost 12 MiB at 1,000 containers through sessions 21 and 22 (BENCHMARKS.md, session 23).
            OperationsLog.PodsHeldWhole(_log);
        }

        _rate.Sample(DateTime.UtcNow, runtime.Counters.EntriesShipped, runtime.Counters.BytesShipped);
        _sampling = SampleAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        await Task.WhenAll(_apps.Select(app => app.StopAsync(cancellationToken))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task<int> StartAsync(
        string name, IPAddress address, int port, Action<WebApplication> map, string portVariable, CancellationToken cancellationToken)
    {
        // The empty builder reads no appsettings or ASPNETCORE_ variables: the aggregator's settings decide alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (address.Equals(IPAddress.Any))
            {
                kestrel.ListenAnyIP(port);
            }
            else
            {
                kestrel.Listen(address, port);
            }
        });
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new EndpointBindException(ListenPorts.CannotListen(name.ToLowerInvariant(), address, port, e.GetBaseException().Message, $"{portVariable} sets another port"), e);
        }

        _apps.Add(app);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        OperationsLog.Listening(_log, name, bound);
        return new Uri(bound).Port;
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RateSampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                _rate.Sample(DateTime.UtcNow, runtime.Counters.EntriesShipped, runtime.Counters.BytesShipped);
                // Scrapes expire them too; this bounds the memory of namespaces gone when nothing scrapes.
                runtime.Counters.ExpireIdleNamespaces();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
