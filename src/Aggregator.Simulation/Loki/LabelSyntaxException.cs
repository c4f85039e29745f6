using System.Globalization;

namespace Aggregator.Simulation.Loki;

/// <summary>A label set or selector that does not parse; the message mimics the Prometheus parser's "1:COL: parse error: ...".</summary>
public sealed class LabelSyntaxException : FormatException
{
    /// <summary>Creates the exception for a problem found at a zero-based position.</summary>
    public LabelSyntaxException(int position, string problem)
        : base(string.Create(CultureInfo.InvariantCulture, $"1:{position + 1}: parse error: {problem}"))
    {
        Problem = problem;
    }

    /// <summary>The problem without its position prefix.</summary>
    public string Problem { get; }
}
