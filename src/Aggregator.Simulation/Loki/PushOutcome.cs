using System.Globalization;
using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>What applying one push did: how many entries were rejected or dropped as duplicates, and why.</summary>
internal sealed class PushOutcome
{
    // Loki's ingester lists at most this many rejected entries (max_returned_stream_errors).
    private const int MaxListedProblems = 10;

    private readonly List<string> problems = [];

    public int StreamCount { get; init; }

    public int EntryCount { get; init; }

    public int RejectedCount { get; private set; }

    public int DuplicateCount { get; set; }

    public void RejectStream(string message, int entries)
    {
        problems.Add(message + ",");
        RejectedCount += entries;
    }

    public void RejectEntry(long timestampNanos, string message)
    {
        problems.Add($"entry with timestamp {GoText.TimeString(timestampNanos)} ignored, reason: '{message}',");
        RejectedCount++;
    }

    /// <summary>The 400 body: the ingester's format, extended to every kind of rejection and to all streams of the request.</summary>
    public string Body(string tenant)
    {
        var body = new StringBuilder();
        foreach (var problem in problems.Take(MaxListedProblems))
        {
            body.Append(problem).Append('\n');
        }

        body.Append(CultureInfo.InvariantCulture, $"user '{tenant}', total ignored: {RejectedCount} out of {EntryCount}");
        return body.ToString();
    }
}
