using System.Net;
using System.Text;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Akka.Streams;
using Akka.Streams.Dsl;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class ContainerLogSourceTests : Akka.TestKit.Xunit2.TestKit
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

    private async Task<List<LogEntry>> Read(IPodApi api, ResumePoint resume, TailProgress progress, LogReadOutcome outcome)
    {
        var request = new PodLogRequest("prod", "web-0", "app", Follow: true, Previous: false, SinceSecond: resume.SinceSecond);
        resume.BeginResume();
        var entries = await ContainerLogSource
            .Create(api, request, Web, resume, progress, new TailSettings(), outcome, CancellationToken.None)
            .RunWith(Sink.Seq<LogEntry>(), Sys.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(20));
        return [.. entries];
    }

    [Fact(Timeout = 30000)]
    public async Task A_resumed_request_skips_lines_already_read_in_the_inclusive_second_and_reads_the_cut_line_whole()
    {
        var first = Line(1, "a") + Line(5, "b") + Line(12, "c")[..20];
        var second = Line(1, "a") + Line(5, "b") + Line(12, "c") + Line(15, "d");
        var api = new ScriptedPodApi(Body(first), Body(second));
        var resume = new ResumePoint();
        var progress = new TailProgress();

        var before = await Read(api, resume, progress, new LogReadOutcome());
        var after = await Read(api, resume, progress, new LogReadOutcome());

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
    public async Task A_refused_request_completes_the_stream_and_reports_its_error()
    {
        var api = new ScriptedPodApi(() => throw new PodLogException(HttpStatusCode.BadRequest, "container \"app\" is waiting to start"));
        var outcome = new LogReadOutcome();

        var entries = await Read(api, new ResumePoint(), new TailProgress(), outcome);

        Assert.Empty(entries);
        var error = Assert.IsType<PodLogException>(outcome.Error);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task An_empty_body_ends_cleanly_without_entries()
    {
        var outcome = new LogReadOutcome();

        var entries = await Read(new ScriptedPodApi(Body(string.Empty)), new ResumePoint(), new TailProgress(), outcome);

        Assert.Empty(entries);
        Assert.Null(outcome.Error);
    }
}
