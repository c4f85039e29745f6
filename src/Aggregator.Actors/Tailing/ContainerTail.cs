using Aggregator.Actors.Pipeline;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using k8s.Models;
using System.Net;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// Tails one container instance: follows its log while it runs, reopens with <c>sinceTime</c> when the stream
/// ends early (skipping what it had read), drains what is left once the instance has exited, then stops.
/// Its entries run into the pipeline, which holds its reading back when full.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability", "CA2213:Disposable fields should be disposed", Justification = "Disposed in PostStop, the actor's end of life.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in PostStop, the actor's end of life.")]
public sealed class ContainerTail : ReceiveActor, IWithTimers
{
    // An exited instance whose log cannot be read this many times running has been cleaned away by the kubelet.
    private const int DrainAttempts = 5;

    private readonly TailTarget _target;
    private readonly IPodApi _api;
    private readonly Sink<LogEntry, NotUsed> _pipeline;
    private readonly IMaterializer _materializer;
    private readonly TailSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LogStream _stream;
    private readonly ResumePoint _resume = new();
    private readonly TailProgress _progress = new();
    private readonly Loki.RetryBackoff _backoff;
    private V1Pod? _initialPod;
    private CancellationTokenSource? _reading;
    private TailStep _step;
    private long _linesAtOpen;
    private int _reopens;
    private int _failedDrains;
    private string? _lastError;
    private string _phase = "starting";

    public ContainerTail(
        TailTarget target, V1Pod pod, IPodApi api, Sink<LogEntry, NotUsed> pipeline, IMaterializer materializer, TailSettings settings)
    {
        _target = target;
        _initialPod = pod;
        _api = api;
        _pipeline = pipeline;
        _materializer = materializer;
        _settings = settings;
        _stream = new LogStream(target.Stream, target.Labels);
        _backoff = new Loki.RetryBackoff(settings.ReopenMinimum, settings.ReopenMaximum);

        Receive<PodSeen>(seen => Decide(seen.Pod));
        Receive<StreamEnded>(OnStreamEnded);
        Receive<CheckPod>(_ => CheckPodNow());
        Receive<GetTailState>(_ => Sender.Tell(State()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the tail of <paramref name="target"/>, beginning from the pod as it was seen.</summary>
    public static Props Props(
        TailTarget target, V1Pod pod, IPodApi api, Sink<LogEntry, NotUsed> pipeline, IMaterializer materializer, TailSettings settings) =>
        Akka.Actor.Props.Create(() => new ContainerTail(target, pod, api, pipeline, materializer, settings));

    protected override void PreStart()
    {
        Self.Tell(new PodSeen(_initialPod));
        _initialPod = null;
    }

    protected override void PostStop()
    {
        _reading?.Cancel();
        _reading?.Dispose();
    }

    private void Decide(V1Pod? pod)
    {
        _step = TailDecision.Next(pod, _target);
        if (_step == TailStep.Stop)
        {
            _log.Info("Finished tailing {0}: {1} lines read", _target, _progress.Lines);
            Context.Stop(Self);
            return;
        }

        Open();
    }

    private void Open()
    {
        var request = new PodLogRequest(
            _target.Stream.Namespace, _target.Stream.Pod, _target.Stream.Container,
            Follow: _step == TailStep.Follow, Previous: _step == TailStep.DrainPrevious, SinceSecond: _resume.SinceSecond);
        _resume.BeginResume();
        _reading?.Dispose();
        _reading = new CancellationTokenSource();
        _linesAtOpen = _progress.Lines;
        _phase = _step switch { TailStep.Follow => "following", TailStep.DrainPrevious => "draining previous", _ => "draining" };
        var outcome = new LogReadOutcome();
        ContainerLogSource.Create(_api, request, _stream, _resume, _progress, _settings, outcome, _reading.Token)
            .WatchTermination(Keep.Right)
            .To(_pipeline)
            .Run(_materializer)
            .PipeTo(Self, success: _ => new StreamEnded(outcome.Error), failure: e => new StreamEnded(e));
    }

    private void OnStreamEnded(StreamEnded ended)
    {
        var progressed = _progress.Lines > _linesAtOpen;
        if (ended.Error is null && _step != TailStep.Follow)
        {
            // A drain that reached the end of the log leaves nothing behind.
            _log.Info("Finished tailing {0}: {1} lines read", _target, _progress.Lines);
            Context.Stop(Self);
            return;
        }

        _reopens++;
        if (ended.Error is not null && _step != TailStep.Follow && ++_failedDrains >= DrainAttempts)
        {
            _log.Warning("Giving up on the rest of {0}'s log after {1} failed attempts: {2}", _target, _failedDrains, Describe(ended.Error));
            Context.Stop(Self);
            return;
        }

        if (ended.Error is not null)
        {
            _lastError = Describe(ended.Error);
            if (_backoff.Failures == 0)
            {
                _log.Warning("Log stream of {0} failed: {1}; reopening", _target, _lastError);
            }
        }

        if (progressed)
        {
            _backoff.Reset();
        }

        // A stream that ended cleanly after delivering lines is reopened at once (the kubelet's 4-hour cut, a
        // proxy's idle cut); one that failed or brought nothing waits, longer each time.
        var delay = progressed && ended.Error is null ? TimeSpan.Zero : _backoff.NextDelay();
        _phase = "reopening";
        Timers.StartSingleTimer(CheckPod.Instance, CheckPod.Instance, delay);
    }

    private void CheckPodNow()
    {
        _api.ReadPodAsync(_target.Stream.Namespace, _target.Stream.Pod, CancellationToken.None).PipeTo(
            Self,
            success: pod => new PodSeen(pod),
            failure: e =>
            {
                _lastError = Describe(e);
                return new StreamEnded(e);
            });
    }

    private TailState State() =>
        new(_target, _phase, _progress.Lines, _progress.Bytes, _progress.LastTimestampNanos, _reopens, _lastError);

    private string Describe(Exception error) => error.GetBaseException() switch
    {
        PodLogException { StatusCode: HttpStatusCode.Forbidden } e =>
            $"forbidden ({e.Message}): the aggregator needs 'get' on 'pods/log' in namespace {_target.Stream.Namespace}",
        PodLogException e => $"HTTP {(int)e.StatusCode}: {e.Message}",
        var e => e.Message,
    };

    private sealed record PodSeen(V1Pod? Pod);

    private sealed record StreamEnded(Exception? Error);

    private sealed class CheckPod
    {
        public static readonly CheckPod Instance = new();
    }
}
