namespace Aggregator.Benchmarks;

/// <summary>The shape of one pipeline benchmark run.</summary>
/// <param name="Containers">Containers that write (one per pod).</param>
/// <param name="LineBytes">Bytes of each line's text.</param>
/// <param name="LinesPerContainer">Lines each container holds before the aggregator starts (throughput mode).</param>
/// <param name="Rate">Lines per second over all containers written while the aggregator runs (rate mode); 0 for throughput mode.</param>
/// <param name="DurationSeconds">How long the rate mode writes.</param>
/// <param name="IdleContainers">Containers tailed that never write.</param>
/// <param name="BatchTimeoutSeconds">BATCH_TIMEOUT for the aggregator.</param>
/// <param name="SkipBaseline">Leave out the raw baseline (a smoke run).</param>
/// <param name="Members">Aggregators run as one cluster (MODE=cluster) when more than one.</param>
/// <param name="KillAfterSeconds">In rate mode with several members: kill one member (SIGKILL) this long into the run.</param>
/// <param name="Tls">Serve the Kubernetes API over TLS (HTTP/2 or HTTP/1.1 by ALPN), as a real API server does.</param>
public sealed record PipelineOptions(
    int Containers = 100,
    int LineBytes = 120,
    int LinesPerContainer = 10_000,
    int Rate = 0,
    int DurationSeconds = 20,
    int IdleContainers = 0,
    double BatchTimeoutSeconds = 1,
    bool SkipBaseline = false,
    int Members = 1,
    double KillAfterSeconds = 0,
    bool Tls = false)
{
    /// <summary>Lines the run writes in all.</summary>
    public long TotalLines => Rate > 0 ? (long)Rate * DurationSeconds : (long)Containers * LinesPerContainer;

    /// <summary>Why these options cannot make a meaningful run, in one line naming the options; null when they can.</summary>
    public string? Problem() => KillAfterSeconds switch
    {
        > 0 when Rate <= 0 => "--kill-after needs --rate: a member is killed while lines are being written",
        // Of two, keep-majority keeps the side with the lower address, so the survivor of a kill downs itself half the time.
        > 0 when Members < 3 => "--kill-after needs --members 3 or more: of two members, the survivor of a kill downs itself whenever the killed one had the lower address",
        > 0 when KillAfterSeconds >= DurationSeconds => "--kill-after must be less than --duration: the kill comes while lines are being written",
        _ => null,
    };
}
