using System.Diagnostics;

namespace Aggregator.Benchmarks;

/// <summary>The benchmark process itself, which holds the doubles and the raw baseline's reader.</summary>
public static class ThisProcess
{
    /// <summary>CPU time this process has used so far.</summary>
    public static TimeSpan Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
