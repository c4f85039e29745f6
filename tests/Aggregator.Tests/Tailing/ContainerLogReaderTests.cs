using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class ContainerLogReaderTests : Akka.TestKit.Xunit2.TestKit
{
    private const long Second = 1_795_614_119L;

    private static readonly LogStream Web = new(
        new StreamKey("prod", "web-0", "app"),
        LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]));

    /// <summary>Answers each log request with the next scripted body (or failure), and records the requests.</summary>
    private sealed class ScriptedPodApi(params Func<Stream>[] bodies) : IPodApi
    {
        private int _next;

        public List<PodLogRequest> Requests { get; } = [];

        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(bodies[_next++]());
        }

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string pod, CancellationToken cancellationToken) =>
            Task.FromResult<V1Pod?>(null);
    }

    private static string Line(int tenths, string text) =>
        $"{KubeletTimestamp.Format((Second * 1_000_000_000L) + (tenths * 100_000_000L))} {text}\n";

    private static Func<Stream> Body(string text) => () => new TrickleStream(Encoding.UTF8.GetBytes(text));

    private static TailDependencies Dependencies(
        IPodApi api, TailSettings? settings = null, BufferBudget? budget = null, ShippingCounters? counters = null, Channel<LogChunk>? pipeline = null) =>
        new(api, (pipeline ?? Channel.CreateUnbounded<LogChunk>()).Writer, settings ?? new TailSettings(),
            budget ?? new BufferBudget(1 << 30), counters ?? new ShippingCounters(), Positions: null);

    private static Task<List<LogEntry>> Read(IPodApi api, ResumePoint resume, TailProgress progress, LogReadHandle outcome) =>
        Read(Dependencies(api), resume, progress, outcome);

    // What the reading handed on to the pipeline, in order, once it has ended.
    private static async Task<List<LogEntry>> Read(TailDependencies dependencies, ResumePoint resume, TailProgress progress, LogReadHandle outcome)
    {
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        dependencies = dependencies with { Pipeline = pipeline.Writer };
        var request = new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: resume.SinceSecond);
        resume.BeginResume();
        await ContainerLogReader.ReadAsync(request, Web, resume, progress, dependencies, outcome, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(20));
        pipeline.Writer.Complete();
        List<LogEntry> entries = [];
        await foreach (var chunk in pipeline.Reader.ReadAllAsync())
        {
            entries.AddRange(chunk.Entries);
        }

        return entries;
    }

    [Fact(Timeout = 30000)]
    public async Task A_tail_waiting_for_the_tick_closes_its_request_at_once_when_stopped()
    {
        var body = new ArrivingStream();
        var pacer = new ReadPacer();
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var dependencies = Dependencies(new ScriptedPodApi(() => body), pipeline: pipeline) with { Pacer = pacer };
        using var stop = new CancellationTokenSource();
        var request = new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: null);
        body.Arrive(Line(1, "a"));
        var reading = ContainerLogReader.ReadAsync(request, Web, new ResumePoint(), new TailProgress(), dependencies, new LogReadHandle(), stop.Token);
        await pipeline.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        pacer.Tick();
        pacer.Tick();
        body.Arrive(Line(2, "b"));
        Assert.False(reading.IsCompleted);

        await stop.CancelAsync();

        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        await body.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact(Timeout = 30000)]
    public async Task A_resumed_request_skips_lines_already_read_in_the_inclusive_second_and_reads_the_cut_line_whole()
    {
        var first = Line(1, "a") + Line(5, "b") + Line(12, "c")[..20];
        var second = Line(1, "a") + Line(5, "b") + Line(12, "c") + Line(15, "d");
        var api = new ScriptedPodApi(Body(first), Body(second));
        var resume = new ResumePoint();
        var progress = new TailProgress();

        var before = await Read(api, resume, progress, new LogReadHandle());
        var after = await Read(api, resume, progress, new LogReadHandle());

        Assert.Equal(["a", "b"], before.Select(e => e.Line));
        Assert.Equal(["c", "d"], after.Select(e => e.Line));
        Assert.Equal((Second * 1_000_000_000L) + 1_200_000_000L, after[0].TimestampNanos);
        Assert.Null(api.Requests[0].SinceSecond);
        Assert.Equal(Second - 1, api.Requests[1].SinceSecond);
        Assert.Equal(1, progress.CutLines);
        Assert.Equal(4, progress.Lines);
        Assert.Equal(2, resume.LinesSkipped);
    }

    [Fact(Timeout = 30000)]
    public async Task A_resumed_request_that_begins_inside_a_long_line_does_not_ship_the_rest_of_it_as_a_line()
    {
        // A 32 KiB line whose records straddle a second: the kubelet filters sinceTime record by record, so a request
        // resumed from that later second begins with the line's second record, which reads as a line of its own.
        static string Stamp(long nanos) => KubeletTimestamp.Format((Second * 1_000_000_000L) + nanos) + " ";
        var (x, y) = (new string('x', 16 * 1024), new string('y', 16 * 1024));
        var fromSecondRecord = Stamp(1_000_001_000) + y + Stamp(1_000_002_000) + "z\n" + Line(25, "b");
        var first = Line(1, "a") + Stamp(999_999_000) + x + fromSecondRecord;
        var second = fromSecondRecord + Line(30, "c");
        var api = new ScriptedPodApi(Body(first), Body(second));
        var resume = new ResumePoint();

        var before = await Read(api, resume, new TailProgress(), new LogReadHandle());
        var after = await Read(api, resume, new TailProgress(), new LogReadHandle());

        Assert.Equal(["a", x + y + "z", "b"], before.Select(e => e.Line));
        Assert.Equal(Second + 1, api.Requests[1].SinceSecond);
        Assert.Equal(["c"], after.Select(e => e.Line));
    }

    [Fact(Timeout = 30000)]
    public async Task A_refused_request_ends_the_reading_and_reports_its_error()
    {
        var api = new ScriptedPodApi(() => throw new PodLogException(HttpStatusCode.BadRequest, "container \"app\" is waiting to start"));
        var outcome = new LogReadHandle();

        var entries = await Read(api, new ResumePoint(), new TailProgress(), outcome);

        Assert.Empty(entries);
        var error = Assert.IsType<PodLogException>(outcome.Error);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task An_empty_body_ends_cleanly_without_entries()
    {
        var outcome = new LogReadHandle();

        var entries = await Read(new ScriptedPodApi(Body(string.Empty)), new ResumePoint(), new TailProgress(), outcome);

        Assert.Empty(entries);
        Assert.Null(outcome.Error);
    }

    [Fact(Timeout = 30000)]
    public async Task Overlong_lines_are_truncated_with_a_marker_or_dropped_and_counted()
    {
        var longLine = new string('x', 3000);
        var body = Body(Line(1, "short") + Line(2, longLine) + Line(3, "after"));
        var counters = new ShippingCounters();
        var truncating = Dependencies(new ScriptedPodApi(body), new TailSettings { MaxLineBytes = 1024 }, counters: counters);
        var dropping = Dependencies(new ScriptedPodApi(body), new TailSettings { MaxLineBytes = 1024, OverlongLines = OverlongLines.Drop }, counters: counters);

        var truncated = await Read(truncating, new ResumePoint(), new TailProgress(), new LogReadHandle());
        var dropped = await Read(dropping, new ResumePoint(), new TailProgress(), new LogReadHandle());

        Assert.Equal(3, truncated.Count);
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(truncated[1].Line));
        Assert.EndsWith("…[truncated 3000 bytes to 1024]", truncated[1].Line, StringComparison.Ordinal);
        Assert.Equal(["short", "after"], dropped.Select(e => e.Line));
        Assert.Equal(1, counters.LinesTruncated);
        Assert.Equal(1, counters.LinesDropped);
        Assert.Equal(5, counters.EntriesRead);
    }

    [Fact(Timeout = 30000)]
    public async Task Reading_waits_while_the_memory_budget_is_spent_and_goes_on_when_it_is_given_back()
    {
        var budget = new BufferBudget(100);
        await budget.AcquireAsync(100, CancellationToken.None);
        var dependencies = Dependencies(new ScriptedPodApi(Body(Line(1, "held back"))), budget: budget);

        var reading = Read(dependencies, new ResumePoint(), new TailProgress(), new LogReadHandle());
        await AwaitConditionAsync(() => Task.FromResult(budget.Waiting == 1), TimeSpan.FromSeconds(10));
        Assert.False(reading.IsCompleted);

        budget.Release(100);
        var entries = await reading;
        Assert.Equal(["held back"], entries.Select(e => e.Line));
        Assert.Equal(entries[0].Weight, budget.Used);
    }

    [Fact(Timeout = 30000)]
    public async Task A_reopen_request_ends_a_quiet_stream_cleanly()
    {
        var quiet = new BlockingStream(Encoding.UTF8.GetBytes(Line(1, "before the stall")));
        var handle = new LogReadHandle();
        var reading = Read(Dependencies(new ScriptedPodApi(() => quiet)), new ResumePoint(), new TailProgress(), handle);
        await AwaitConditionAsync(() => Task.FromResult(quiet.Waiting), TimeSpan.FromSeconds(10));

        handle.RequestReopen();

        var entries = await reading;
        Assert.Equal(["before the stall"], entries.Select(e => e.Line));
        Assert.True(handle.ReopenRequested);
        Assert.Null(handle.Error);
    }

    [Fact(Timeout = 30000)]
    public async Task Reading_ends_once_the_pipeline_takes_nothing_more()
    {
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        pipeline.Writer.Complete();
        var endless = new BlockingStream(Encoding.UTF8.GetBytes(Line(1, "after shutdown")));
        var counters = new ShippingCounters();
        var dependencies = Dependencies(new ScriptedPodApi(() => endless), counters: counters, pipeline: pipeline);
        var handle = new LogReadHandle();

        await ContainerLogReader.ReadAsync(
                new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: null),
                Web, new ResumePoint(), new TailProgress(), dependencies, handle, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(endless.Waiting);
        Assert.Null(handle.Error);
        // Read, but never in the pipeline: no answer will come for it, so it must not age as if it waited for one.
        Assert.Equal(1, counters.EntriesRead);
        Assert.Equal(0, counters.Lag.PendingChunks);
    }

    [Fact(Timeout = 30000)]
    public async Task A_quiet_tail_keeps_nothing_of_its_last_read_once_the_pipeline_has_it()
    {
        var quiet = new BlockingStream(Encoding.UTF8.GetBytes(Line(1, "the last line for a while")));
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var handle = new LogReadHandle();
        var reading = ContainerLogReader.ReadAsync(
            new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: null),
            Web, new ResumePoint(), new TailProgress(), Dependencies(new ScriptedPodApi(() => quiet), pipeline: pipeline), handle, CancellationToken.None);
        var text = await TakeTextBlock(pipeline.Reader);
        await AwaitConditionAsync(() => Task.FromResult(quiet.Waiting), TimeSpan.FromSeconds(10));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(text.IsAlive, "the waiting tail still holds the text of its last read");
        handle.RequestReopen();
        await reading.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact(Timeout = 30000)]
    public async Task A_busy_reads_chunks_hold_its_pooled_block_until_they_are_settled()
    {
        // 70 KiB of text: the reader's buffer grows as reads fill it, and the larger reads' lines go into pooled blocks.
        var lines = Enumerable.Range(0, 800).Select(i => Line(i, $"line {i} " + new string('x', 80))).ToList();
        var body = string.Concat(lines);
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var dependencies = Dependencies(new ScriptedPodApi(() => new MemoryStream(Encoding.UTF8.GetBytes(body))), pipeline: pipeline);
        var resume = new ResumePoint();
        var request = new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: null);

        await ContainerLogReader.ReadAsync(request, Web, resume, new TailProgress(), dependencies, new LogReadHandle(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(20));
        pipeline.Writer.Complete();
        var chunks = await pipeline.Reader.ReadAllAsync().ToListAsync();

        var pooled = chunks.Select(c => c.Block).OfType<LineBlock>().Distinct().ToList();
        Assert.NotEmpty(pooled);
        Assert.All(pooled, block => Assert.False(block.Returned));
        Assert.Equal(lines.Select(l => l[(l.IndexOf(' ') + 1)..^1]), chunks.SelectMany(c => c.Entries).Select(e => e.Line));
    }

    // Takes the chunk as the pipeline would and lets go of it, keeping a weak reference to the block of its text.
    private static async Task<WeakReference> TakeTextBlock(ChannelReader<LogChunk> reader)
    {
        var chunk = await reader.ReadAsync();
        return new WeakReference(MemoryMarshal.TryGetArray(chunk.Entries[0].Utf8, out var segment) ? segment.Array : null);
    }
}
