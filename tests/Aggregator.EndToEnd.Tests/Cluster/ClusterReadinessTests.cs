using System.Net;
using Aggregator.Actors.Discovery;
using Akka.Actor;

namespace Aggregator.EndToEnd.Tests.Cluster;

/// <summary>/readyz in cluster mode: a member whose pod watch is open is ready only once it is Up in the cluster.</summary>
public sealed class ClusterReadinessTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_member_whose_seed_does_not_answer_is_not_ready_while_it_watches_pods_and_is_ready_once_it_has_joined()
    {
        await using var test = await ClusterUnderTest.StartAsync(members: 2, running: 0);
        // Member 0's only seed is member 1's port, where nothing listens yet.
        await test.StartWithSeedsAsync(0, seeds: 1);
        await AggregatorUnderTest.Eventually(
            async () => (await test.Runtime(0).Watchers[0].Ask<WatchStatus>(GetWatchStatus.Instance, TimeSpan.FromSeconds(5))).Established,
            "member 0's pod watch is established");

        var alone = await GetAsync(test.MetricsUri(0));

        Assert.Equal(
            (HttpStatusCode.ServiceUnavailable, $"not a cluster member yet (no seed node has let it join: {test.AddressOf(1)})"),
            alone);

        // Member 1 forms the cluster on that port (it is its own seed), and member 0's next join attempt finds it.
        await test.StartWithSeedsAsync(1, seeds: 1);
        foreach (var member in new[] { 0, 1 })
        {
            var ready = await ReadyAsync(test.MetricsUri(member));
            Assert.Equal("a cluster member (Up); watching namespace shop (0 pods)", ready);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri metrics)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(metrics, "readyz"));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd());
    }

    /// <summary>Asks /readyz again until it answers 200 (joining takes a seed-node retry); a timeout says the last answer.</summary>
    private static async Task<string> ReadyAsync(Uri metrics)
    {
        (HttpStatusCode Status, string Body) answer = (0, "none yet");
        try
        {
            await AggregatorUnderTest.Eventually(async () => (answer = await GetAsync(metrics)).Status == HttpStatusCode.OK, "/readyz answers 200", 60);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; the last answer was {(int)answer.Status}: {answer.Body}", timeout);
        }

        return answer.Body;
    }
}
