using System.Net;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.Event;
using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// Tails one container instance: learns from Loki what it holds already, follows the log while the instance
/// runs, reopens with <c>sinceTime</c> when the stream ends early or stalls (skipping what it had read),
/// drains what is left once the instance has exited, then stops. Its entries run into the pipeline, which
/// holds its reading back when full.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability", "CA2213:Disposable fields should be disposed", Justification = "Disposed in PostStop, the actor's end of life.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in PostStop, the actor's end of life.")]
public sealed class ContainerTail : ReceiveActor, IWithTimers
{
    // An exited instance whose log could not be read this many times running, for at least DrainGiveUpAfter, has been
    // cleaned away by the kubelet (or its node is gone). Both, so that an API server restarting meanwhile loses nothing.
    private const int DrainAttempts = 5;

    // A follow open this long is no exited instance's: its end before this one was early.
    private const long EarlyEndConfirmedAfterMs = 5000;

    private readonly TailTarget _target;
    private readonly TailDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LogStream _stream;
    private readonly TailProgress _progress = new();
    private readonly RetryBackoff _backoff;
    private readonly StallDetector _stall;
    private readonly CancellationTokenSource _stopping = new();
    private ResumePoint _resume = new();
    private V1Pod? _initialPod;
    private readonly long _initialPodAtMs = Environment.TickCount64;
    private LogReadHandle? _reading;
    private TailStep _step;
    private long _linesAtOpen;
    private int _fragmentsAtOpen;
    private long _openedAtMs;
    private bool _earlyEndSuspected;
    private long _lastReadSeenMs;
    private int _reopens;
    private bool _followEnded;
    private int _failedDrains;
    private long _drainFailingSinceMs;
    private string? _lastError;
    private string _phase = "starting";

    public ContainerTail(TailTarget target, V1Pod pod, TailDependencies dependencies)
    {
        _target = target;
        _initialPod = pod;
        _dependencies = dependencies;
        _stream = new LogStream(target.Stream, target.Labels);
        _backoff = new RetryBackoff(dependencies.Settings.ReopenMinimum, dependencies.Settings.ReopenMaximum);
        _stall = new StallDetector(
            dependencies.Settings.StallMinimumQuiet, dependencies.Settings.StallMaximumQuiet, StallDetector.SpreadOf(target.Stream.GetHashCode()));

        Receive<PositionLearned>(OnPositionLearned);
        Receive<PodSeen>(seen => Decide(seen.Pod));
        Receive<StreamEnded>(OnStreamEnded);
        Receive<CheckPod>(_ => CheckPodNow());
        Receive<PodReadFailed>(OnPodReadFailed);
        Receive<CheckStall>(_ => CheckForStall());
        Receive<GetTailState>(_ => Sender.Tell(State()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the tail of <paramref name="target"/>, beginning from the pod as it was seen.</summary>
    public static Props Props(TailTarget target, V1Pod pod, TailDependencies dependencies) =>
        Akka.Actor.Props.Create(() => new ContainerTail(target, pod, dependencies));

    protected override void PreStart()
    {
        if (_target.DroppedLabels.Count > 0)
        {
            _log.Warning("{0}: pod labels {1} left out of the stream's labels: more than the {2} label names Loki accepts per stream",
                _target, string.Join(", ", _target.DroppedLabels), _target.Labels.Labels.Count);
        }

        if (_dependencies.Positions is { } positions)
        {
            _phase = "asking Loki for its position";
            var (started, finished) = TailDecision.Lifetime(_initialPod, _target);
            var from = KubeletTimestamp.NanosOf(started?.AddSeconds(-2) ?? DateTime.UtcNow.AddDays(-7));
            var to = KubeletTimestamp.NanosOf((finished ?? DateTime.UtcNow.AddMinutes(10)).AddSeconds(2));
            // The next instance writes under the same labels: its lines must not pass for this one's position.
            if (TailDecision.NextStarted(_initialPod, _target) is { } next)
            {
                to = Math.Min(to, KubeletTimestamp.NanosOf(next));
            }

            _dependencies.OpenAsync(() => positions.NewestTimestampAsync(_target.Labels, from, to, _stopping.Token), _stopping.Token).PipeTo(
                Self, success: newest => new PositionLearned(newest, null), failure: e => new PositionLearned(null, e));
            return;
        }

        Self.Tell(new PodSeen(_initialPod));
        _initialPod = null;
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _reading?.Dispose();
    }

    private void OnPositionLearned(PositionLearned learned)
    {
        if (learned.Error is not null)
        {
            if (_dependencies.FirstPositionWarning())
            {
                _log.Warning("Loki did not answer the query for where its streams end ({0}); reading container logs from their start instead — Loki drops the entries it holds already",
                    learned.Error.GetBaseException().Message);
            }
        }
        else if (learned.Newest is { } newest)
        {
            _resume = ResumePoint.After(newest);
            _log.Info("{0}: Loki holds its lines up to {1}; resuming from there", _target, KubeletTimestamp.Format(newest));
        }

        // While Loki was asked the pod may have moved on (a crash-looping container restarts), and a follow request
        // decided from the pod as it was would read the next instance's log as this one's.
        if (Environment.TickCount64 - _initialPodAtMs >= _dependencies.Settings.StalePodAfter.TotalMilliseconds)
        {
            _initialPod = null;
            CheckPodNow();
            return;
        }

        Self.Tell(new PodSeen(_initialPod));
        _initialPod = null;
    }

    private void Decide(V1Pod? pod)
    {
        _step = TailDecision.Next(pod, _target);
        if (_followEnded)
        {
            // Still running by the pod: an early end, or the instance's exit before the pod says so (the kubelet
            // ends the stream when the runtime reports the stop; the pod's status follows a second or more later).
            // The next follow tells them apart (ConfirmEarlyEnd).
            _followEnded = false;
            _earlyEndSuspected = _step == TailStep.Follow;
        }

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
        var handle = _reading = new LogReadHandle();
        _linesAtOpen = _progress.Lines;
        _fragmentsAtOpen = _progress.NewFragments;
        _openedAtMs = Environment.TickCount64;
        _phase = _step switch { TailStep.Follow => "following", TailStep.DrainPrevious => "draining previous", _ => "draining" };
        _stall.Opened(Environment.TickCount64);
        if (_step == TailStep.Follow)
        {
            Timers.StartPeriodicTimer(CheckStall.Instance, CheckStall.Instance, _dependencies.Settings.StallCheckInterval);
        }

        ContainerLogReader.ReadAsync(request, _stream, _resume, _progress, _dependencies, handle, _stopping.Token)
            .PipeTo(Self, success: () => new StreamEnded(handle.Error, handle.ReopenRequested), failure: e => new StreamEnded(e, false));
    }

    private void CheckForStall()
    {
        var now = Environment.TickCount64;
        ConfirmEarlyEnd(_progress.Lines > _linesAtOpen);
        var lastRead = _progress.LastReadAtMs;
        if (lastRead > _lastReadSeenMs)
        {
            _lastReadSeenMs = lastRead;
            _stall.LinesArrived(lastRead);
        }

        if (_reading is { ReopenRequested: false } reading && _stall.IsStalled(now))
        {
            _log.Info("{0}: no line for {1:0} s, longer than its usual gap allows ({2:0} s); reopening the stream in case the kubelet stalled it",
                _target, (now - Math.Max(_lastReadSeenMs, 0)) / 1000.0, _stall.Threshold.TotalSeconds);
            _stall.Reopening(now);
            reading.RequestReopen();
        }
    }

    private void OnStreamEnded(StreamEnded ended)
    {
        Timers.Cancel(CheckStall.Instance);
        var progressed = _progress.Lines > _linesAtOpen || _progress.NewFragments > _fragmentsAtOpen;
        ConfirmEarlyEnd(progressed);
        // Unconfirmed, the end before this follow was the instance's exit.
        _earlyEndSuspected = false;
        // A drain that ended cleanly is read once more if it brought lines (or a new fragment): the API server ends its
        // response cleanly even when its stream from the kubelet broke, so only a read that brings nothing new shows
        // the log's end.
        var confirming = ended.Error is null && !ended.Reopen && _step != TailStep.Follow;
        if (confirming && !progressed)
        {
            _log.Info("Finished tailing {0}: {1} lines read", _target, _progress.Lines);
            Context.Stop(Self);
            return;
        }

        if (progressed)
        {
            _backoff.Reset();
            _failedDrains = 0;
        }

        if (ended.Error is not null && !progressed && _step != TailStep.Follow && DrainGivesUp())
        {
            _log.Warning("Giving up on the rest of {0}'s log after {1} failed attempts over {2:0} s: {3}",
                _target, _failedDrains, (Environment.TickCount64 - _drainFailingSinceMs) / 1000.0, Describe(ended.Error));
            Context.Stop(Self);
            return;
        }

        if (ended.Error is null && !ended.Reopen && _step == TailStep.Follow)
        {
            // A follow stream that ended cleanly: the instance exited (the normal end, drained next) or the stream was
            // cut early (the kubelet's 4-hour limit, a proxy's idle cut). The pod tells which (Decide).
            _followEnded = true;
        }
        else if (!confirming)
        {
            CountReopen();
        }

        if (ended.Error is not null)
        {
            _lastError = Describe(ended.Error);
            if (_backoff.Failures == 0)
            {
                _log.Warning("Log stream of {0} failed: {1}; reopening", _target, _lastError);
            }
        }

        // A stream that ended cleanly after delivering lines, or was ended for a stall, is reopened at once (the
        // kubelet's 4-hour cut, a proxy's idle cut); one that failed or brought nothing waits, longer each time.
        var delay = ended.Reopen || (progressed && ended.Error is null) ? TimeSpan.Zero : _backoff.NextDelay();
        _phase = "reopening";
        Timers.StartSingleTimer(CheckPod.Instance, CheckPod.Instance, delay);
    }

    /// <summary>
    /// A follow reopened after one that ended while the pod showed the instance running was an early end's reopen
    /// once it brings a line or stays open: an exited instance's follow ends at once, with nothing new.
    /// </summary>
    private void ConfirmEarlyEnd(bool progressed)
    {
        if (_earlyEndSuspected && (progressed || Environment.TickCount64 - _openedAtMs >= EarlyEndConfirmedAfterMs))
        {
            _earlyEndSuspected = false;
            CountReopen();
        }
    }

    /// <summary>A stream reopened after a failure, a stall or an early end: what the restarts metric and the tail's state count.</summary>
    private void CountReopen()
    {
        _reopens++;
        _dependencies.Counters.TailReopened();
    }

    /// <summary>Counts a drain that read nothing and failed; true once it has failed often enough, and long enough, to stop.</summary>
    private bool DrainGivesUp()
    {
        var now = Environment.TickCount64;
        if (_failedDrains++ == 0)
        {
            _drainFailingSinceMs = now;
        }

        return _failedDrains >= DrainAttempts && now - _drainFailingSinceMs >= _dependencies.Settings.DrainGiveUpAfter.TotalMilliseconds;
    }

    /// <summary>The pod could not be read (the API server restarting, or refusing): that says nothing of the log, so it is asked again.</summary>
    private void OnPodReadFailed(PodReadFailed failed)
    {
        _lastError = Describe(failed.Error);
        if (_backoff.Failures == 0)
        {
            _log.Warning("Could not read the pod of {0}: {1}; asking again", _target, _lastError);
        }

        Timers.StartSingleTimer(CheckPod.Instance, CheckPod.Instance, _backoff.NextDelay());
    }

    private void CheckPodNow()
    {
        _dependencies.Api.ReadPodAsync(_target.Stream.Namespace, _target.Stream.Pod, _stopping.Token).PipeTo(
            Self,
            success: pod => new PodSeen(pod),
            failure: e => new PodReadFailed(e));
    }

    private TailState State() =>
        new(_target, _phase, _progress.Lines, _progress.Bytes, _progress.LastTimestampNanos, _reopens, _lastError);

    private string Describe(Exception error) => error.GetBaseException() switch
    {
        PodLogException { StatusCode: HttpStatusCode.Forbidden } e =>
            $"forbidden ({e.Message}): the aggregator needs 'get' on 'pods/log' in namespace {_target.Stream.Namespace}",
        PodLogException e => $"HTTP {(int)e.StatusCode}: {e.Message}",
        k8s.Autorest.HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } =>
            $"forbidden: the aggregator needs 'get' on 'pods' in namespace {_target.Stream.Namespace}",
        var e => e.Message,
    };

    private sealed record PositionLearned(long? Newest, Exception? Error);

    private sealed record PodSeen(V1Pod? Pod);

    private sealed record StreamEnded(Exception? Error, bool Reopen);

    private sealed record PodReadFailed(Exception Error);

    private sealed class CheckPod
    {
        public static readonly CheckPod Instance = new();
    }

    private sealed class CheckStall
    {
        public static readonly CheckStall Instance = new();
    }
}
