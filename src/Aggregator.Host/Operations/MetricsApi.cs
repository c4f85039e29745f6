using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace Aggregator.Host.Operations;

/// <summary>The metrics endpoint's routes: Prometheus exposition and the two probes.</summary>
internal static class MetricsApi
{
    // The Prometheus text exposition format, which CollectAndExportAsTextAsync writes.
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(WebApplication app, AdminReports reports, CollectorRegistry registry, TimeSpan stuckAfter)
    {
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = TextFormat;
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/healthz", () => Answer(reports.Liveness(stuckAfter)));
        app.MapGet("/readyz", async () => Answer(await reports.ReadinessAsync().ConfigureAwait(false)));
    }

    private static IResult Answer(HealthVerdict verdict) =>
        Results.Text(verdict.Reason + "\n", "text/plain; charset=utf-8", statusCode: verdict.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
}
