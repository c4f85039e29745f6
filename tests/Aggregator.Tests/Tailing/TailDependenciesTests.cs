using System.Threading.Channels;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class TailDependenciesTests
{
    private static TailDependencies Dependencies(int maxOpens) =>
        new(null!, Channel.CreateUnbounded<LogChunk>().Writer,
            new TailSettings { MaxConcurrentOpens = maxOpens }, new BufferBudget(1 << 20), new ShippingCounters(), Positions: null);

    [Fact(Timeout = 30000)]
    public async Task No_more_than_the_allowed_number_of_requests_are_opened_at_once()
    {
        var dependencies = Dependencies(maxOpens: 2);
        var answers = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var started = 0;

        var opens = answers.Select((answer, i) => dependencies.OpenAsync(
            () =>
            {
                Interlocked.Increment(ref started);
                return answer.Task;
            },
            CancellationToken.None)).ToArray();

        Assert.Equal(2, Volatile.Read(ref started));
        answers[0].SetResult(0);
        Assert.Equal(0, await opens[0]);
        // The freed place goes to the waiting open, which then starts.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref started) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.Equal(3, Volatile.Read(ref started));

        answers[1].SetResult(1);
        answers[2].SetResult(2);
        var results = await Task.WhenAll(opens);
        Assert.Equal(0, results[0]);
        Assert.Equal(1, results[1]);
        Assert.Equal(2, results[2]);
        Assert.Equal(0, dependencies.Opening.Used);
    }

    [Fact(Timeout = 30000)]
    public async Task A_failed_open_gives_its_place_back()
    {
        var dependencies = Dependencies(maxOpens: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => dependencies.OpenAsync<int>(() => throw new InvalidOperationException("refused"), CancellationToken.None));

        Assert.Equal(7, await dependencies.OpenAsync(() => Task.FromResult(7), CancellationToken.None));
        Assert.Equal(0, dependencies.Opening.Used);
    }
}
