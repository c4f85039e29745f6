using System.Globalization;
using Aggregator.Simulation.Loki;

namespace Aggregator.Host;

/// <summary>The demo's progress line: what was written, shipped and stored so far, and the workload's latest event.</summary>
internal sealed class DemoProgress(DemoWorkload workload, AggregatorRuntime runtime, LokiDouble? loki)
{
    private readonly DateTime _started = DateTime.UtcNow;
    private string? _lastState;

    /// <summary>Prints the line.</summary>
    public void Print() => Print(State());

    /// <summary>Prints the line unless the last one printed said the same.</summary>
    public void PrintIfChanged()
    {
        if (State() is var state && state != _lastState)
        {
            Print(state);
        }
    }

    private void Print(string state)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(DateTime.UtcNow - _started).TotalSeconds,5:0.0}s  {state}"));
        _lastState = state;
    }

    private string State()
    {
        var inLoki = loki is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"  in Loki {loki.EntryCount,7}");
        return string.Create(CultureInfo.InvariantCulture,
            $"written {workload.Written,7}  shipped {runtime.Counters.EntriesShipped,7}{inLoki}  pushes {runtime.Counters.Pushes,5}  {workload.LastEvent}");
    }
}
