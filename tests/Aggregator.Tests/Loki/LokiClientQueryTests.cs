using System.Net;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Simulation.Loki;
using Xunit;
using static Aggregator.Tests.Loki.LokiTestData;

namespace Aggregator.Tests.Loki;

/// <summary>NewestTimestampAsync against a Loki double on loopback.</summary>
public sealed class LokiClientQueryTests
{
    private static readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private static readonly long Now = Clock.NowNanos;
    private static readonly LogStream Web = Stream("web-0");
    private static readonly LogStream Api = Stream("api-0");

    // Nine significant nanosecond digits, as the kubelet writes them.
    private static readonly long WebNewest = Now - 1_000_000_000 + 123_456_789;
    private static readonly long ApiNewest = Now - 1_000;

    private static Task<LokiDouble> StartLoki(bool requireTenant = false) =>
        LokiDouble.StartAsync(new LokiDoubleOptions { TimeProvider = Clock, RequireTenant = requireTenant });

    private static LokiClient Client(LokiDouble loki, string? tenant = null) =>
        new(new LokiSettings { PushUri = loki.PushUri, TenantId = tenant });

    private static async Task PushBothStreams(LokiClient client)
    {
        var outcome = await client.ShipAsync(
            Batch(
                (Web, WebNewest - 5_000_000_000, "web early"),
                (Api, ApiNewest - 10, "api early"),
                (Web, WebNewest, "web newest"),
                (Web, WebNewest - 1, "web just before"),
                (Api, ApiNewest, "api newest")),
            CancellationToken.None);
        Assert.Equal(ShipOutcome.Delivered, outcome);
    }

    [Fact(Timeout = 30000)]
    public async Task The_newest_timestamp_of_one_stream_comes_back_to_the_nanosecond()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        await PushBothStreams(client);

        Assert.Equal(WebNewest, await client.NewestTimestampAsync(Web.Labels, Now - 3_600_000_000_000, Now, CancellationToken.None));
        Assert.Equal(ApiNewest, await client.NewestTimestampAsync(Api.Labels, Now - 3_600_000_000_000, Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task An_instance_that_has_run_for_months_is_asked_about_no_more_than_Loki_s_longest_query()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        await PushBothStreams(client);

        // From a start 90 days ago: Loki's max_query_length (30d1h) would refuse the range with a 400.
        Assert.Equal(WebNewest, await client.NewestTimestampAsync(Web.Labels, Now - (90L * 24 * 3600 * 1_000_000_000), Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task The_end_of_the_range_is_exclusive_and_the_start_inclusive()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        await PushBothStreams(client);

        Assert.Equal(WebNewest - 1, await client.NewestTimestampAsync(Web.Labels, 0, WebNewest, CancellationToken.None));
        Assert.Equal(WebNewest, await client.NewestTimestampAsync(Web.Labels, 0, WebNewest + 1, CancellationToken.None));
        Assert.Equal(WebNewest, await client.NewestTimestampAsync(Web.Labels, WebNewest, WebNewest + 1, CancellationToken.None));
        Assert.Null(await client.NewestTimestampAsync(Web.Labels, WebNewest + 1, Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task Null_comes_back_when_the_stream_holds_nothing_in_the_range()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);

        Assert.Null(await client.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));

        await PushBothStreams(client);

        Assert.Null(await client.NewestTimestampAsync(Stream("db-0").Labels, 0, Now, CancellationToken.None));
        Assert.Null(await client.NewestTimestampAsync(Web.Labels, 0, WebNewest - 5_000_000_000, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task The_newest_across_streams_that_carry_more_labels_is_taken()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        var wider = new LogStream(
            Web.Key,
            LabelSet.Create([.. Web.Labels.Labels.Select(l => new KeyValuePair<string, string?>(l.Key, l.Value)), new("cluster", "eu-1")]));
        await PushBothStreams(client);
        Assert.Equal(ShipOutcome.Delivered, await client.ShipAsync(Batch((wider, WebNewest + 7, "from the wider stream")), CancellationToken.None));

        Assert.Equal(WebNewest + 7, await client.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));
        Assert.Equal(WebNewest + 7, await client.NewestTimestampAsync(wider.Labels, 0, Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task A_pod_relabelled_since_its_lines_were_shipped_still_finds_them_and_another_clusters_pod_of_that_name_does_not()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        LogStream With(string team, string cluster) => new(
            Web.Key,
            LabelSet.Create([.. Web.Labels.Labels.Select(l => new KeyValuePair<string, string?>(l.Key, l.Value)), new("team", team), new("cluster", cluster)]));
        Assert.Equal(ShipOutcome.Delivered, await client.ShipAsync(Batch((With("a", "eu-1"), WebNewest, "shipped as team a")), CancellationToken.None));
        Assert.Equal(ShipOutcome.Delivered, await client.ShipAsync(Batch((With("a", "us-1"), WebNewest + 9, "another cluster's pod")), CancellationToken.None));

        Assert.Equal(WebNewest, await client.NewestTimestampAsync(With("b", "eu-1").Labels, 0, Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task A_failing_query_throws_with_the_status()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        await PushBothStreams(client);
        loki.QueryFailureStatusCode = 503;

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.StartsWith("HTTP 503: injected query failure", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task The_tenant_header_is_sent_with_the_query_when_configured()
    {
        await using var loki = await StartLoki(requireTenant: true);
        using var teamA = Client(loki, "team-a");
        using var teamB = Client(loki, "team-b");
        await PushBothStreams(teamA);

        Assert.Equal("team-a", Assert.Single(loki.Pushes).TenantId);
        Assert.Equal(WebNewest, await teamA.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));
        Assert.Null(await teamB.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task Without_a_tenant_a_multi_tenant_loki_refuses_the_query()
    {
        await using var loki = await StartLoki(requireTenant: true);
        using var client = Client(loki);

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("HTTP 401: no org id", error.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task A_push_url_behind_a_path_prefix_queries_behind_the_same_prefix()
    {
        await using var loki = await StartLoki();
        using var client = Client(loki);
        await PushBothStreams(client);

        // The double serves no prefix: the query must fail with 404 at the prefixed path, not silently go elsewhere.
        using var prefixed = new LokiClient(new LokiSettings { PushUri = new Uri(loki.BaseUri, "gateway/loki/api/v1/push") });
        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => prefixed.NewestTimestampAsync(Web.Labels, 0, Now, CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("http://loki:3100/loki/api/v1/push", "http://loki:3100/loki/api/v1/query_range")]
    [InlineData("https://gw.example.com/tenant-a/loki/api/v1/push", "https://gw.example.com/tenant-a/loki/api/v1/query_range")]
    [InlineData("https://gw.example.com/a/b/loki/api/v1/push", "https://gw.example.com/a/b/loki/api/v1/query_range")]
    [InlineData("http://loki:3100/", "http://loki:3100/loki/api/v1/query_range")]
    [InlineData("http://loki:3100", "http://loki:3100/loki/api/v1/query_range")]
    [InlineData("https://gw.example.com/tenant-a/", "https://gw.example.com/tenant-a/loki/api/v1/query_range")]
    public void QueryUri_is_beside_the_push_endpoint(string push, string query)
    {
        Assert.Equal(query, LokiClient.QueryUri(new Uri(push)).AbsoluteUri);
    }
}
