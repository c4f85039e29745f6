using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aggregator.Simulation;
using Aggregator.Simulation.Kubernetes;
using Aggregator.Simulation.Loki;

namespace Aggregator.Benchmarks;

/// <summary>
/// Runs the real aggregator (its own process, the same actors, graph and Loki client as production) against the
/// Kubernetes API double and the Loki double over loopback HTTP, and measures it.
/// </summary>
public static class PipelineBenchmark
{
    private const string Ns = "bench";
    private const string Container = "app";

    public static async Task<PipelineResult> RunAsync(PipelineOptions options, TextWriter progress, CancellationToken cancellation)
    {
        await using var kubernetes = await KubernetesApiDouble.StartAsync(
            new KubernetesDoubleOptions { BookmarkInterval = TimeSpan.FromSeconds(30), Tls = options.Tls }, cancellation).ConfigureAwait(false);
        await using var loki = await LokiDouble.StartAsync(new LokiDoubleOptions { MaxLineSizeBytes = null, KeepLines = false }, cancellation).ConfigureAwait(false);
        var directory = Directory.CreateTempSubdirectory("aggregator-bench-");
        try
        {
            var pods = Enumerable.Range(0, options.Containers).Select(i => string.Create(CultureInfo.InvariantCulture, $"writer-{i:0000}")).ToList();
            foreach (var pod in pods.Concat(Enumerable.Range(0, options.IdleContainers).Select(i => string.Create(CultureInfo.InvariantCulture, $"idle-{i:0000}"))))
            {
                kubernetes.CreatePod(Ns, pod, [Container], new Dictionary<string, string> { ["app"] = "bench" });
                kubernetes.StartPod(Ns, pod);
            }

            var text = new LineText(options.LineBytes);
            if (options.Rate == 0)
            {
                progress.WriteLine(F($"writing {options.TotalLines} lines of {options.LineBytes} B into {options.Containers} containers…"));
                for (var n = 0; n < options.LinesPerContainer; n++)
                {
                    foreach (var pod in pods)
                    {
                        kubernetes.WriteLine(Ns, pod, Container, text.For(n));
                    }
                }
            }

            RawRate? raw = null;
            if (options.Rate == 0 && !options.SkipBaseline)
            {
                progress.WriteLine("raw baseline: reading every stream and discarding it, twice…");
                // The better of two reads: the first also compiles the double's serving path, and a ceiling measured
                // on cold code would flatter the ratio.
                var first = await RawBaseline.MeasureAsync(kubernetes, Ns, pods, Container, options.TotalLines).ConfigureAwait(false);
                var second = await RawBaseline.MeasureAsync(kubernetes, Ns, pods, Container, options.TotalLines).ConfigureAwait(false);
                raw = RawRate.Better(first, second);
                progress.WriteLine(F($"raw baseline: {raw.LinesPerSecond:0} lines/s"));
            }

            // The pre-written lines and the baseline's garbage would otherwise be collected by this process's background
            // GC while the aggregator runs, on the cores the two share.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

            // Only the hooks a run needs: each push's entries are copied out for them, a cost paid on the cores the
            // aggregator is measured on.
            var latencies = new LatencyRecorder();
            if (options.Rate > 0)
            {
                loki.EntriesReceived += latencies.Record;
            }

            var environment = new Dictionary<string, string>
            {
                ["NAMESPACE"] = Ns,
                ["LOKI_URL"] = loki.BaseUri.ToString(),
                ["KUBECONFIG"] = kubernetes.WriteKubeconfig(Path.Combine(directory.FullName, "kubeconfig")),
                ["BATCH_TIMEOUT"] = options.BatchTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
                ["POD_NAME"] = "aggregator-bench",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = "0",
                // Any free ports: a benchmark must not collide with an aggregator running beside it.
                ["ADMIN_PORT"] = "0",
                ["METRICS_PORT"] = "0",
            };
            var requestsBefore = kubernetes.LogRequests.Count;
            var remotingPorts = Enumerable.Range(0, options.Members).Select(_ => LoopbackPorts.Reserve()).ToList();
            progress.WriteLine(options.Members == 1 ? "starting the aggregator…" : F($"starting {options.Members} aggregators as one cluster…"));
            var members = new List<AggregatorProcess>();
            await using var stopAll = new MembersOwner(members);
            foreach (var port in remotingPorts)
            {
                var memberEnvironment = new Dictionary<string, string>(environment);
                if (options.Members > 1)
                {
                    memberEnvironment["MODE"] = "cluster";
                    memberEnvironment["POD_IP"] = "127.0.0.1";
                    memberEnvironment["REMOTING_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                    memberEnvironment["CLUSTER_SEEDS"] = F($"akka.tcp://aggregator@127.0.0.1:{remotingPorts[0]}");
                    memberEnvironment["Aggregator__Cluster__StableAfterSeconds"] = "5";
                    memberEnvironment["Aggregator__Cluster__ReannounceSeconds"] = "2";
                    memberEnvironment["POD_NAME"] = F($"aggregator-bench-{members.Count}");
                }

                members.Add(AggregatorProcess.Start(memberEnvironment, directory.FullName));
            }

            var aggregator = members[0];
            // The aggregator's own first request: the raw baseline's requests are on the double's record already, and
            // counting them started the clock at the process's launch, so a slow start-up was measured as throughput.
            var opened = await Until(() => kubernetes.LogRequests.Count > requestsBefore || members.Any(m => m.HasExited), TimeSpan.FromSeconds(90)).ConfigureAwait(false);
            if (!opened || members.Any(m => m.HasExited))
            {
                throw new InvalidOperationException("the aggregator did not start reading: " + string.Join(Environment.NewLine, members.SelectMany(m => m.Output)));
            }

            // After a kill: when every writing container's lines ship again.
            var recovery = new RecoveryWatch(pods.Count);
            if (options.KillAfterSeconds > 0)
            {
                loki.EntriesReceived += recovery.Record;
            }

            var clock = Stopwatch.StartNew();
            var cpuAtStart = CpuOf(members);
            // This process's CPU is the doubles' (and the benchmark's own sampling, which is small beside them): the
            // machine the aggregator was measured on was shared with that much work.
            var doublesCpuAtStart = ThisProcess.Cpu();
            var writing = options.Rate > 0 ? WriteAtRateAsync(kubernetes, pods, text, options, cancellation) : Task.CompletedTask;
            var killing = options.KillAfterSeconds > 0 && members.Count > 1
                // The oldest member: it started tails first, and it hosts the shard coordinator, which must move too.
                ? KillLaterAsync(members[0], TimeSpan.FromSeconds(options.KillAfterSeconds), recovery, cancellation)
                : Task.CompletedTask;

            // At a steady rate, CPU is judged after the first third: start-up and JIT compilation are not the load.
            var steady = options.Rate > 0
                ? SampleLaterAsync(members, TimeSpan.FromSeconds(options.DurationSeconds / 3.0), clock, cancellation)
                : Task.FromResult((clock.Elapsed, cpuAtStart));
            // At a steady rate, the CPU share window by window: how long start-up (JIT compilation, tiering up) lasts.
            var windows = options.Rate > 0 ? new CpuWindows(() => CpuOf(members), clock, CpuWindows.LengthFor(options.DurationSeconds)) : null;
            var total = options.TotalLines;
            var sustained = new SustainedRate(total);
            using (var sampling = new CancellationTokenSource())
            using (var reporter = new Timer(_ => progress.WriteLine(F($"  {clock.Elapsed.TotalSeconds,6:0.0} s  {loki.EntryCount,10} of {total} lines in Loki")), null, 1000, 1000))
            {
                var sampled = options.Rate == 0 ? sustained.SampleAsync(() => loki.EntryCount, clock, sampling.Token) : Task.CompletedTask;
                var arrived = loki.WaitUntilAsync(l => l.EntryCount >= total, TimeSpan.FromMinutes(30));
                // Once every member has exited (a crash, a downing), the lines still missing would never arrive: the wait ends there.
                using var watching = new CancellationTokenSource();
                var exited = Task.WhenAll(members.Select(m => m.WaitForExitAsync(watching.Token)));
                var first = await Task.WhenAny(arrived, exited).ConfigureAwait(false);
                await watching.CancelAsync().ConfigureAwait(false);
                if (first != arrived)
                {
                    var lastOutput = members.SelectMany(m => m.Output.TakeLast(10)).ToList();
                    throw new InvalidOperationException(F($"every aggregator exited before Loki held all {total} lines ({loki.EntryCount} arrived)") +
                        (lastOutput.Count == 0 ? "; they wrote nothing" : "; their last output:" + Environment.NewLine + string.Join(Environment.NewLine, lastOutput)));
                }

                await arrived.ConfigureAwait(false);
                await sampling.CancelAsync().ConfigureAwait(false);
                await sampled.ConfigureAwait(false);
            }

            await writing.ConfigureAwait(false);
            await killing.ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuAtEnd = CpuOf(members);
            var doublesCpu = (ThisProcess.Cpu() - doublesCpuAtStart).TotalSeconds;
            windows?.Dispose();
            var cpu = (cpuAtEnd - cpuAtStart).TotalSeconds;
            var (steadyFrom, cpuAtSteady) = await steady.ConfigureAwait(false);
            var steadyShare = (cpuAtEnd - cpuAtSteady).TotalSeconds / (seconds - steadyFrom.TotalSeconds);
            var peakRss = members.Where(m => !m.HasExited).Max(m => m.PeakRssMiB());
            await stopAll.DisposeAsync().ConfigureAwait(false);

            // The aggregator's requests: at least one, or the run would have ended where it waited for it.
            var ourRequests = kubernetes.LogRequests.Skip(requestsBefore).ToList();
            var firstRequest = ourRequests.Min(r => r.ReceivedAt);
            var lastOpened = ourRequests.GroupBy(r => r.Pod).Max(g => g.Min(r => r.ReceivedAt));
            var (firstArrived, tenthArrived, nineTenthsArrived) = sustained.Milestones;
            var report = DeliveryReport.Compare(kubernetes, loki, pods.Select(pod => (Ns, pod, Container)));
            var summary = report.ExactlyOnce
                ? F($"every one of the {report.Written} lines arrived exactly once, at its own timestamp ({loki.DuplicatesReceived} identical re-sends dropped by Loki)")
                : F($"NOT exactly once: {report.Written} written, {report.Arrived} arrived, {report.Streams.Sum(s => s.Missing)} missing, {report.Streams.Sum(s => s.Unexpected)} unexpected");
            var bytes = total * (options.LineBytes + 1.0);
            return new PipelineResult(
                options, total, seconds, total / seconds, bytes / seconds / 1_000_000, cpu / total * 1_000_000, steadyShare, peakRss,
                latencies.Percentile(0.50), latencies.Percentile(0.99), raw?.LinesPerSecond, report.ExactlyOnce, summary)
            {
                RecoverySeconds = recovery.Seconds,
                PushRequests = loki.Pushes.Count,
                SustainedLinesPerSecond = sustained.LinesPerSecond,
                Start = options.Rate > 0 ? default : (lastOpened - firstRequest, firstArrived, tenthArrived, nineTenthsArrived),
                RawSustainedLinesPerSecond = raw?.SustainedLinesPerSecond,
                RawCpuSecondsPerMillionLines = raw?.CpuSecondsPerMillionLines,
                RawCoresBusy = raw?.CoresBusy,
                CpuShareByWindow = windows?.Shares() ?? [],
                CpuWindowSeconds = windows?.Length.TotalSeconds ?? 0,
                DoublesCpuSecondsPerMillionLines = doublesCpu / total * 1_000_000,
                DoublesCpuShareOfOneCore = doublesCpu / seconds,
            };
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task WriteAtRateAsync(
        KubernetesApiDouble kubernetes, List<string> pods, LineText text, PipelineOptions options, CancellationToken cancellation)
    {
        // Every 10 ms, the lines due by then: the rate holds even when a tick comes late.
        var clock = Stopwatch.StartNew();
        long written = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (written < options.TotalLines && await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false))
        {
            var due = Math.Min(options.TotalLines, (long)(clock.Elapsed.TotalSeconds * options.Rate));
            for (; written < due; written++)
            {
                kubernetes.WriteLine(Ns, pods[(int)(written % pods.Count)], Container, text.For(written));
            }
        }
    }

    private static async Task<(TimeSpan At, TimeSpan Cpu)> SampleLaterAsync(
        List<AggregatorProcess> members, TimeSpan after, Stopwatch clock, CancellationToken cancellation)
    {
        await Task.Delay(after, cancellation).ConfigureAwait(false);
        return (clock.Elapsed, CpuOf(members));
    }

    // The members' CPU together; a killed member's time stops where it died.
    private static TimeSpan CpuOf(List<AggregatorProcess> members) =>
        members.Aggregate(TimeSpan.Zero, (total, member) => total + member.CpuTime);

    private static async Task KillLaterAsync(AggregatorProcess member, TimeSpan after, RecoveryWatch recovery, CancellationToken cancellation)
    {
        await Task.Delay(after, cancellation).ConfigureAwait(false);
        recovery.Killed();
        member.Kill();
    }

    private static async Task<bool> Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        return true;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Lines of a fixed size that differ from one another, like real log lines.</summary>
    private sealed class LineText(int bytes)
    {
        private readonly string _padding = new StringBuilder().Insert(0, "level=info msg=\"request served\" path=/api/items ", Math.Max(1, (bytes / 40) + 1)).ToString();

        public string For(long n)
        {
            var head = string.Create(CultureInfo.InvariantCulture, $"seq={n} ");
            return head.Length >= bytes ? head[..bytes] : head + _padding[..(bytes - head.Length)];
        }
    }

    /// <summary>Delays from each entry's timestamp to the push that delivered it.</summary>
    private sealed class LatencyRecorder
    {
        private readonly List<double> _milliseconds = [];

        public void Record(DateTimeOffset at, IReadOnlyList<ReceivedEntry> entries)
        {
            var nowNanos = (at.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
            lock (_milliseconds)
            {
                foreach (var entry in entries)
                {
                    _milliseconds.Add((nowNanos - entry.TimestampNanos) / 1_000_000.0);
                }
            }
        }

        public double? Percentile(double p)
        {
            lock (_milliseconds)
            {
                if (_milliseconds.Count == 0)
                {
                    return null;
                }

                _milliseconds.Sort();
                return _milliseconds[(int)Math.Min(_milliseconds.Count - 1, Math.Floor(p * _milliseconds.Count))];
            }
        }
    }

    /// <summary>After a member is killed: the time until every writing container has a line written after the kill in Loki.</summary>
    private sealed class RecoveryWatch(int containers)
    {
        private readonly Lock _gate = new();
        private long _killedAtNanos;
        private DateTimeOffset _killedAt;
        private readonly HashSet<string> _shipping = new(StringComparer.Ordinal);

        public double? Seconds { get; private set; }

        public void Killed()
        {
            lock (_gate)
            {
                _killedAt = DateTimeOffset.UtcNow;
                _killedAtNanos = (_killedAt.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
            }
        }

        public void Record(DateTimeOffset at, IReadOnlyList<ReceivedEntry> entries)
        {
            lock (_gate)
            {
                if (_killedAtNanos == 0 || Seconds is not null)
                {
                    return;
                }

                foreach (var entry in entries)
                {
                    if (entry.TimestampNanos > _killedAtNanos)
                    {
                        _shipping.Add(entry.StreamLabels);
                    }
                }

                if (_shipping.Count >= containers)
                {
                    Seconds = (at - _killedAt).TotalSeconds;
                }
            }
        }
    }

    /// <summary>The aggregator's CPU sampled at fixed intervals from the start of a rate run.</summary>
    private sealed class CpuWindows : IDisposable
    {
        private readonly Func<TimeSpan> _cpu;
        private readonly Stopwatch _clock;
        private readonly List<(TimeSpan At, TimeSpan Cpu)> _samples = [];
        private readonly Timer _timer;

        public CpuWindows(Func<TimeSpan> cpu, Stopwatch clock, TimeSpan length)
        {
            _cpu = cpu;
            _clock = clock;
            Length = length;
            _samples.Add((clock.Elapsed, cpu()));
            _timer = new Timer(_ => Sample(), null, length, length);
        }

        public TimeSpan Length { get; }

        // About six windows, none shorter than 10 s: long enough to hold many pushes, short enough to show where start-up ends.
        public static TimeSpan LengthFor(int durationSeconds) => TimeSpan.FromSeconds(Math.Max(10, durationSeconds / 6 / 10 * 10));

        /// <summary>The share of one core in each whole window so far.</summary>
        public IReadOnlyList<double> Shares()
        {
            lock (_samples)
            {
                return [.. _samples.Zip(_samples.Skip(1), (a, b) => (b.Cpu - a.Cpu).TotalSeconds / (b.At - a.At).TotalSeconds)];
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            lock (_samples)
            {
                _samples.Add((_clock.Elapsed, _cpu()));
            }
        }
    }

    /// <summary>Stops every member, whatever happens to the run.</summary>
    private sealed class MembersOwner(List<AggregatorProcess> members) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var member in members)
            {
                await member.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
