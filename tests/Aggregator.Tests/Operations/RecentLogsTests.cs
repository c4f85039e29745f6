using Aggregator.Host.Operations;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Aggregator.Tests.Operations;

public sealed class RecentLogsTests
{
    [Fact]
    public void Keeps_the_most_recent_lines_up_to_its_capacity_oldest_first()
    {
        using var logs = new RecentLogs(capacity: 3);
        var logger = logs.CreateLogger("Aggregator.Test");
        for (var i = 1; i <= 5; i++)
        {
#pragma warning disable CA1848, CA2254 // A test drives the provider directly.
            logger.LogWarning($"message {i}");
#pragma warning restore CA1848, CA2254
        }

        var lines = logs.Last(10);

        Assert.Equal(3, lines.Count);
        Assert.EndsWith("warn Aggregator.Test: message 3", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("message 5", lines[2], StringComparison.Ordinal);
        Assert.Single(logs.Last(1));
    }

    [Fact]
    public void A_message_is_one_line_with_its_exception()
    {
        var line = RecentLogs.Format(
            new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc), LogLevel.Error, "Cat", "two\nlines", new InvalidOperationException("bad"));

        Assert.Equal("2026-03-01T12:00:00.000Z fail Cat: two | lines (InvalidOperationException: bad)", line);
    }
}
