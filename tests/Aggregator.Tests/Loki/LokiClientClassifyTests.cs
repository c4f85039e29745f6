using System.Net;
using Aggregator.Actors.Loki;
using Xunit;

namespace Aggregator.Tests.Loki;

public sealed class LokiClientClassifyTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(299)]
    public void Any_2xx_is_delivered(int status)
    {
        var outcome = LokiClient.Classify((HttpStatusCode)status, "ignored", TimeSpan.FromSeconds(5));

        Assert.Equal(ShipResult.Delivered, outcome.Result);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(413)]
    [InlineData(422)]
    public void A_400_413_or_422_is_rejected_for_good_with_loki_s_message(int status)
    {
        var outcome = LokiClient.Classify((HttpStatusCode)status, "entry too far behind", TimeSpan.FromSeconds(5));

        Assert.Equal(new ShipOutcome(ShipResult.Rejected, status, "entry too far behind"), outcome);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(408)]
    [InlineData(301)]
    public void Throttling_server_errors_and_fixable_refusals_are_retryable(int status)
    {
        var outcome = LokiClient.Classify((HttpStatusCode)status, "try later", null);

        Assert.Equal(new ShipOutcome(ShipResult.Retryable, status, "try later"), outcome);
    }

    [Fact]
    public void A_retryable_outcome_carries_retry_after()
    {
        var outcome = LokiClient.Classify(HttpStatusCode.TooManyRequests, "slow down", TimeSpan.FromSeconds(7));

        Assert.Equal(new ShipOutcome(ShipResult.Retryable, 429, "slow down", TimeSpan.FromSeconds(7)), outcome);
    }
}
