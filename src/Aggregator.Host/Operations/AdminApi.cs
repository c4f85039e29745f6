using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Host.Operations;

/// <summary>The admin endpoint's routes: read-only JSON reports that <c>aggregator ctl</c> renders.</summary>
internal static class AdminApi
{
    public static void Map(WebApplication app, AdminReports reports, string? token)
    {
        if (token is not null)
        {
            var expected = Encoding.UTF8.GetBytes("Bearer " + token);
            app.Use(async (context, next) =>
            {
                var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
                if (!CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsync("a valid admin token is required (Authorization: Bearer …)").ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        app.MapGet("/v1/status", () => Json(reports.Status()));
        app.MapGet("/v1/tails", async (string? @namespace, string? pod, string? state) =>
            Json(await reports.TailsAsync(new TailFilter(@namespace, pod, state)).ConfigureAwait(false)));
        app.MapGet("/v1/actors", () => reports.Actors() is { } root ? Json(root) : Results.Problem("the actor system has not started", statusCode: 503));
        app.MapGet("/v1/logs", (int? lines) => Json(reports.Logs(lines ?? 100)));
        app.MapGet("/v1/cluster", () => Json(reports.Cluster()));
        app.MapGet("/v1/cluster/sharding/regions", async () => Json(await reports.RegionsAsync().ConfigureAwait(false)));
        app.MapGet("/v1/cluster/sharding/stats", async () => Json(await reports.ShardingStatsAsync().ConfigureAwait(false)));
    }

    private static IResult Json<T>(T value) => Results.Json(value, AdminJson.Options);
}
