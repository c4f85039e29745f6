using System.Globalization;

namespace Aggregator.Benchmarks;

/// <summary>What one pipeline benchmark run measured.</summary>
public sealed record PipelineResult(
    PipelineOptions Options,
    long Lines,
    double Seconds,
    double LinesPerSecond,
    double MegabytesPerSecond,
    double CpuSecondsPerMillionLines,
    double CpuShareOfOneCore,
    double PeakRssMiB,
    double? LatencyP50Ms,
    double? LatencyP99Ms,
    double? RawLinesPerSecond,
    bool ExactlyOnce,
    string DeliverySummary)
{
    /// <summary>After a member was killed: seconds until every container's lines shipped again.</summary>
    public double? RecoverySeconds { get; init; }

    /// <summary>In rate mode: the aggregator's share of one core in each <see cref="CpuWindowSeconds"/> of the run, in order.</summary>
    public IReadOnlyList<double> CpuShareByWindow { get; init; } = [];

    /// <summary>The length of each window of <see cref="CpuShareByWindow"/>.</summary>
    public double CpuWindowSeconds { get; init; }

    /// <summary>In throughput mode: the rate while a tenth to nine tenths of the lines arrived (<see cref="SustainedRate"/>).</summary>
    public double? SustainedLinesPerSecond { get; init; }

    /// <summary>
    /// In throughput mode, from the aggregator's first log request: when every container's stream had been asked for,
    /// and when the first line, a tenth and nine tenths of the lines were in Loki.
    /// </summary>
    public (TimeSpan? AllAskedFor, TimeSpan? First, TimeSpan? Tenth, TimeSpan? NineTenths) Start { get; init; }

    /// <summary>The benchmark process's CPU over the run — the doubles' work, on the cores the aggregator shares — per million lines.</summary>
    public double? DoublesCpuSecondsPerMillionLines { get; init; }

    /// <summary>The benchmark process's share of one core over the run.</summary>
    public double? DoublesCpuShareOfOneCore { get; init; }

    /// <summary>Push requests the Loki double answered.</summary>
    public int PushRequests { get; init; }

    /// <summary>Throughput against the raw baseline, when it was measured.</summary>
    public double? Ratio => RawLinesPerSecond is { } raw && raw > 0 ? LinesPerSecond / raw : null;

    /// <summary>The raw baseline's rate between a tenth and nine tenths of the lines read, when it was measured.</summary>
    public double? RawSustainedLinesPerSecond { get; init; }

    /// <summary>The raw baseline's CPU — the Kubernetes double's serving and the reader's counting — per million lines.</summary>
    public double? RawCpuSecondsPerMillionLines { get; init; }

    /// <summary>How many cores the raw baseline's read kept busy on average.</summary>
    public double? RawCoresBusy { get; init; }

    /// <summary>The sustained rate against the raw baseline's, measured alike, when both were.</summary>
    public double? SustainedRatio =>
        RawSustainedLinesPerSecond is { } raw && raw > 0 && SustainedLinesPerSecond is { } sustained ? sustained / raw : null;

    /// <summary>The human-readable report, then the machine-readable last line.</summary>
    public IEnumerable<string> Report()
    {
        var o = Options;
        var load = o.Rate > 0 ? F($"{o.Rate} lines/s for {o.DurationSeconds} s") : F($"{o.LinesPerContainer} pre-written lines each");
        var idle = o.IdleContainers > 0 ? F($", {o.IdleContainers} idle containers") : string.Empty;
        var members = o.Members > 1 ? F($", {o.Members} cluster members sharing the cores") : string.Empty;
        var tls = o.Tls ? ", the Kubernetes API over TLS" : string.Empty;
        yield return F($"run: {o.Containers} containers, {o.LineBytes} B lines, {load}{idle}{members}{tls}, BATCH_TIMEOUT {o.BatchTimeoutSeconds} s");
        yield return F($"aggregator: {Lines} lines in {Seconds:0.00} s = {LinesPerSecond:0} lines/s, {MegabytesPerSecond:0.0} MB/s");
        if (SustainedLinesPerSecond is { } sustained)
        {
            var against = SustainedRatio is { } ratio ? F($"; aggregator/raw = {ratio:0.00}, against the raw baseline's rate measured alike") : string.Empty;
            yield return F($"sustained: {sustained:0} lines/s, {sustained * (o.LineBytes + 1) / 1_000_000:0.0} MB/s between a tenth and nine tenths of the lines in Loki{against} ") +
                "(the average above also holds the start and the last partial batches' wait for BATCH_TIMEOUT)";
        }

        if (Start is { AllAskedFor: { } asked, First: { } first, Tenth: { } tenth, NineTenths: { } nineTenths })
        {
            // Where the average loses to the sustained rate: the ramp to full speed, and the last batches' wait.
            yield return F($"start: every stream asked for at {asked.TotalSeconds:0.00} s, the first line in Loki at {first.TotalSeconds:0.00} s, ") +
                F($"a tenth of the lines at {tenth.TotalSeconds:0.00} s, nine tenths at {nineTenths.TotalSeconds:0.00} s, all at {Seconds:0.00} s");
        }

        var when = o.Rate > 0 ? "in the steady state (after the first third)" : "while reading";
        yield return F($"cpu: {CpuSecondsPerMillionLines:0.00} cpu-seconds per million lines, {CpuShareOfOneCore * 100:0.0}% of one core on average {when}");
        if (DoublesCpuSecondsPerMillionLines is { } doubles && DoublesCpuShareOfOneCore is { } doublesShare)
        {
            yield return F($"doubles: {doubles:0.00} cpu-seconds per million lines, {doublesShare * 100:0.0}% of one core over the run ") +
                "(the Kubernetes and Loki doubles, in this process, on the same cores as the aggregator)";
        }
        if (CpuShareByWindow.Count > 0)
        {
            yield return F($"cpu by {CpuWindowSeconds:0} s window: ") + string.Join(" ", CpuShareByWindow.Select(share => F($"{share * 100:0.0}%")));
        }

        yield return F($"memory: peak RSS {PeakRssMiB:0.0} MiB") + (o.Members > 1 ? " (the largest member)" : string.Empty);
        if (PushRequests > 0)
        {
            yield return F($"loki: {PushRequests} push requests, {PushRequests / Seconds:0.0} a second, {(double)Lines / PushRequests:0} lines each on average");
        }

        if (o.KillAfterSeconds > 0)
        {
            yield return RecoverySeconds is { } recovery
                ? F($"a member killed {o.KillAfterSeconds} s in: every container shipped again {recovery:0.0} s after the kill")
                : "a member was killed: not every container shipped again before the run ended";
        }
        yield return LatencyP50Ms is null
            ? "latency: n/a (lines were written before the aggregator started; use --rate to measure latency)"
            : F($"latency (line written -> Loki acknowledged): p50 {LatencyP50Ms:0} ms, p99 {LatencyP99Ms:0} ms");
        yield return RawLinesPerSecond is null
            ? "raw baseline: skipped"
            : F($"raw baseline (read the same streams, discard): {RawLinesPerSecond:0} lines/s; aggregator/raw = {Ratio:0.00}") +
              (RawSustainedLinesPerSecond is { } rawSustained ? F($"; sustained {rawSustained:0} lines/s") : string.Empty);
        if (Ratio is { } ratioOfRates && RawCpuSecondsPerMillionLines is { } rawCost && RawCoresBusy is { } rawCores &&
            DoublesCpuSecondsPerMillionLines is { } doublesCost && DoublesCpuShareOfOneCore is { } doublesCores)
        {
            // The ratio is the baseline's cost per line against the run's (aggregator and doubles, on the same
            // cores), times how much more of the cores the run kept busy: which of the two holds it down.
            var runCost = CpuSecondsPerMillionLines + doublesCost;
            var runCores = CpuShareOfOneCore + doublesCores;
            yield return F($"ratio by cost: the baseline took {rawCost:0.00} cpu-seconds per million lines with {rawCores:0.00} cores busy, ") +
                F($"the run {runCost:0.00} (the aggregator's and the doubles') with {runCores:0.00}: ") +
                F($"{rawCost:0.00}/{runCost:0.00} x {runCores:0.00}/{rawCores:0.00} = {ratioOfRates:0.00}");
        }

        yield return $"delivery: {DeliverySummary}";
        yield return F($"lines_per_s={LinesPerSecond:0} raw_lines_per_s={RawLinesPerSecond ?? 0:0} ratio={Ratio ?? 0:0.00} exactly_once={(ExactlyOnce ? "true" : "false")} peak_rss_mib={PeakRssMiB:0.0}");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
