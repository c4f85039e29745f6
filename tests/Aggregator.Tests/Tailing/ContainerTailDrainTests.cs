using System.Net;
using System.Text;
using System.Threading.Channels;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Aggregator.Tests.Discovery;
using k8s.Models;
using Xunit;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// The tail of an exited instance reads what is left of its log until a read brings nothing new, through an API
/// server that cuts its responses or is away for a while, and gives the rest up only once the log has stayed
/// unreadable for long.
/// </summary>
public sealed class ContainerTailDrainTests : Akka.TestKit.Xunit2.TestKit
{
    private const long Second = 1_795_614_119L;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly TailTarget Target = new(
        new StreamKey("prod", "web-0", "app"), "containerd://a", LabelSet.Create([new("namespace", "prod"), new("pod", "web-0"), new("container", "app")]));

    private static readonly V1Pod Exited = Pods.Pod(containers: [Pods.Terminated("app", "containerd://a")]);

    // Twenty lines a fifth of a second apart: the log of an instance that has exited, as sinceTime leaves it.
    private static readonly string[] Written =
        [.. Enumerable.Range(0, 20).Select(i => $"{KubeletTimestamp.Format((Second * 1_000_000_000L) + (i * 200_000_000L))} line {i}\n")];

    [Fact(Timeout = 60000)]
    public async Task A_drain_reads_on_through_an_API_server_away_for_longer_than_its_attempts()
    {
        var api = new DrainApi(Exited) { PodReadsToFail = 8 };
        api.Answers.Enqueue(request => Task.FromResult<Stream>(new CutStream(Body(request, lines: 10))));
        for (var i = 0; i < 6; i++)
        {
            api.Answers.Enqueue(_ => Task.FromException<Stream>(
                new PodLogException(HttpStatusCode.ServiceUnavailable, "the server is currently unable to handle the request")));
        }

        var lines = await DrainAsync(api, new TailSettings { DrainGiveUpAfter = TimeSpan.FromMinutes(1) });

        Assert.Equal(Written.Select(Text), lines);
        // The cut read, six refused, the rest, and one that brought nothing new.
        Assert.Equal(9, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.False(r.Follow || r.Previous));
    }

    [Fact(Timeout = 60000)]
    public async Task A_drain_that_ends_cleanly_is_read_again_until_a_read_brings_nothing_new()
    {
        // The API server ends its response cleanly when its stream from the kubelet breaks.
        var api = new DrainApi(Exited);
        api.Answers.Enqueue(request => Task.FromResult<Stream>(new MemoryStream(Body(request, lines: 10))));

        var lines = await DrainAsync(api, new TailSettings());

        Assert.Equal(Written.Select(Text), lines);
        Assert.Equal(3, api.Requests.Count);
        Assert.Null(api.Requests[0].SinceSecond);
        Assert.All(api.Requests.Skip(1), r => Assert.NotNull(r.SinceSecond));
    }

    [Fact(Timeout = 60000)]
    public async Task An_exited_instances_last_output_without_a_newline_is_shipped_once_a_second_read_ends_on_it_too()
    {
        // The runtime writes output without its newline as a partial record when the container exits, and the
        // kubelet sends it as it is: every read of the exited instance's log ends on it.
        var last = Encoding.UTF8.GetBytes($"{KubeletTimestamp.Format(((Second + 3) * 1_000_000_000L) + 900_000_000L)} fatal: giving up");
        var api = new DrainApi(Exited);
        for (var i = 0; i < 5; i++)
        {
            api.Answers.Enqueue(request => Task.FromResult<Stream>(new MemoryStream([.. Body(request), .. last])));
        }

        var lines = await DrainAsync(api, new TailSettings());

        Assert.Equal([.. Written.Select(Text), "fatal: giving up"], lines);
        // The read that ended on it, the one that ended on it again, and one that brought nothing new.
        Assert.Equal(3, api.Requests.Count);
    }

    [Fact(Timeout = 60000)]
    public async Task A_last_output_without_a_newline_that_only_a_drain_sees_is_shipped_too()
    {
        // The follow ended as the runtime reported the stop, before the runtime wrote the output's last partial record.
        var last = Encoding.UTF8.GetBytes($"{KubeletTimestamp.Format(((Second + 3) * 1_000_000_000L) + 900_000_000L)} fatal: giving up");
        var api = new DrainApi(Exited);
        api.Answers.Enqueue(request => Task.FromResult<Stream>(new MemoryStream(Body(request))));
        for (var i = 0; i < 5; i++)
        {
            api.Answers.Enqueue(request => Task.FromResult<Stream>(new MemoryStream([.. Body(request), .. last])));
        }

        var lines = await DrainAsync(api, new TailSettings());

        Assert.Equal([.. Written.Select(Text), "fatal: giving up"], lines);
        // The whole lines, the first read to end on the fragment, the second (which takes it), and one that brought nothing new.
        Assert.Equal(4, api.Requests.Count);
    }

    [Fact(Timeout = 60000)]
    public async Task A_drain_whose_log_stays_unreadable_gives_up_after_its_attempts_and_its_time()
    {
        var api = new DrainApi(Exited) { Refused = true };
        var giveUpAfter = TimeSpan.FromMilliseconds(300);
        // The clock the tail measures with: a coarse one (a few ms a step), which a stopwatch can read as just short.
        var started = Environment.TickCount64;

        var lines = await DrainAsync(api, new TailSettings { DrainGiveUpAfter = giveUpAfter });

        Assert.Empty(lines);
        Assert.True(api.Requests.Count >= 5, $"{api.Requests.Count} attempts");
        var elapsed = Environment.TickCount64 - started;
        Assert.True(elapsed >= giveUpAfter.TotalMilliseconds, $"gave up after {elapsed} ms");
    }

    private static string Text(string logLine) => logLine[(logLine.IndexOf(' ', StringComparison.Ordinal) + 1)..^1];

    // The lines the request's sinceTime leaves (whole seconds, inclusive), the first `lines` of them when given.
    private static byte[] Body(PodLogRequest request, int? lines = null)
    {
        var left = Written.Where((_, i) => request.SinceSecond is not { } since || Second + (i / 5) >= since);
        return Encoding.UTF8.GetBytes(string.Concat(lines is { } most ? left.Take(most) : left));
    }

    /// <summary>Runs a tail of the exited instance until it stops, and returns the lines it handed on, in order.</summary>
    private async Task<List<string>> DrainAsync(DrainApi api, TailSettings settings)
    {
        var pipeline = Channel.CreateUnbounded<LogChunk>();
        var dependencies = new TailDependencies(
            api, pipeline.Writer, settings with { ReopenMinimum = TimeSpan.FromMilliseconds(1), ReopenMaximum = TimeSpan.FromMilliseconds(5) },
            new BufferBudget(1 << 20), new ShippingCounters(), Positions: null);
        var tail = Sys.ActorOf(ContainerTail.Props(Target, Exited, dependencies));
        Watch(tail);
        await ExpectTerminatedAsync(tail, Wait);

        List<string> lines = [];
        while (pipeline.Reader.TryRead(out var chunk))
        {
            lines.AddRange(chunk.Entries.Select(e => e.Line));
        }

        return lines;
    }

    /// <summary>Answers log requests as scripted, then with what is left of the log (or refuses them all), and pod reads as the API server does.</summary>
    private sealed class DrainApi(V1Pod pod) : IPodApi
    {
        private int _podReadsFailed;

        public Queue<Func<PodLogRequest, Task<Stream>>> Answers { get; } = new();

        public List<PodLogRequest> Requests { get; } = [];

        public int PodReadsToFail { get; init; }

        public bool Refused { get; init; }

        public Task<Stream> OpenLogAsync(PodLogRequest request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
                if (Answers.TryDequeue(out var answer))
                {
                    return answer(request);
                }
            }

            return Refused
                ? Task.FromException<Stream>(new PodLogException(HttpStatusCode.InternalServerError, "error dialing backend: dial tcp 10.0.0.7:10250: connect: no route to host"))
                : Task.FromResult<Stream>(new MemoryStream(Body(request)));
        }

        public Task<V1Pod?> ReadPodAsync(string podNamespace, string podName, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _podReadsFailed) <= PodReadsToFail
                ? Task.FromException<V1Pod?>(new HttpRequestException("Connection refused (127.0.0.1:6443)"))
                : Task.FromResult<V1Pod?>(pod);
    }

    /// <summary>A body that breaks off with an error after its bytes, as a cut connection does.</summary>
    private sealed class CutStream(byte[] content) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length
                ? base.ReadAsync(buffer, cancellationToken)
                : ValueTask.FromException<int>(new IOException("The response ended prematurely."));
    }
}
