using System.Diagnostics;
using Aggregator.Actors.Pipeline;
using Akka.Actor;
using Akka.Event;

namespace Aggregator.Actors.Loki;

/// <summary>
/// Delivers batches one at a time and answers only once a batch is settled, so a slow or absent Loki holds the
/// pipeline back instead of losing lines. Retryable failures are retried with backoff for as long as it takes;
/// a 400 is final: logged once with Loki's words, counted by reason, and the batch is let go. A batch too large
/// for Loki (413) is sent again in halves.
/// </summary>
public sealed class LokiPusher : ReceiveActor, IWithTimers, IWithStash
{
    private readonly ILogShipper _shipper;
    private readonly ShippingCounters _counters;
    private readonly RetryBackoff _backoff;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private PushRequested? _current;
    private readonly Queue<PushBatch> _parts = new();
    private IActorRef _requester = ActorRefs.Nobody;
    private bool _anyRejected;

    public LokiPusher(ILogShipper shipper, ShippingCounters counters, TimeSpan minimumBackoff, TimeSpan maximumBackoff)
    {
        _shipper = shipper;
        _counters = counters;
        _backoff = new RetryBackoff(minimumBackoff, maximumBackoff);
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    /// <summary>Props for a pusher that ships through <paramref name="shipper"/>.</summary>
    public static Props Props(ILogShipper shipper, ShippingCounters counters, TimeSpan minimumBackoff, TimeSpan maximumBackoff) =>
        Akka.Actor.Props.Create(() => new LokiPusher(shipper, counters, minimumBackoff, maximumBackoff));

    private void Idle()
    {
        Receive<PushRequested>(push =>
        {
            _current = push;
            _counters.BatchFormed(push.Batch.Count);
            _parts.Enqueue(push.Batch);
            _requester = Sender;
            Become(Busy);
            Attempt();
        });
    }

    private void Busy()
    {
        Receive<AttemptFinished>(finished =>
        {
            _counters.Attempted(finished.Duration, finished.Outcome);
            Settle(finished.Outcome);
        });
        Receive<RetryNow>(_ => Attempt());
        Receive<PushRequested>(_ => Stash.Stash());
    }

    private void Attempt()
    {
        var part = _parts.Peek();
        var started = Stopwatch.GetTimestamp();
        // The shipper's own request timeout bounds an attempt; nothing here needs to cancel it.
        _shipper.ShipAsync(part, CancellationToken.None).PipeTo(
            Self,
            success: outcome => new AttemptFinished(outcome, Stopwatch.GetElapsedTime(started)),
            failure: e => new AttemptFinished(new ShipOutcome(ShipResult.Retryable, 0, e.GetBaseException().Message), Stopwatch.GetElapsedTime(started)));
    }

    private void Settle(ShipOutcome outcome)
    {
        var part = _parts.Peek();
        switch (outcome.Result)
        {
            case ShipResult.Delivered:
                if (_backoff.Failures > 0)
                {
                    _log.Info("Loki at {0} accepts pushes again after {1} failed attempts", _shipper.Destination, _backoff.Failures);
                }

                _backoff.Reset();
                _counters.Delivered(part);
                Next();
                break;
            case ShipResult.Rejected when outcome.StatusCode == 413 && part.Count > 1:
                // Too large for this Loki: the entries are fine, the request is not. Halves go one after the other.
                _parts.Dequeue();
                var (first, second) = part.Split();
                var rest = _parts.ToList();
                _parts.Clear();
                _parts.Enqueue(first);
                _parts.Enqueue(second);
                rest.ForEach(_parts.Enqueue);
                Attempt();
                break;
            case ShipResult.Rejected:
                _backoff.Reset();
                var reasons = RejectionReasons.Classify(outcome.Message, part.Count);
                var refused = reasons.Values.Sum();
                var stored = part.Count - refused;
                _counters.Rejected(part, reasons, stored, outcome.Message);
                _anyRejected = true;
                _log.Warning("Loki refused {0} of {1} entries for good (HTTP {2}: {3}); not sending them again: {4}",
                    refused, part.Count, outcome.StatusCode, string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}")), OneLine(outcome.Message));
                Next();
                break;
            default:
                var delay = _backoff.NextDelay(outcome.RetryAfter);
                _counters.Retrying(outcome);
                var what = outcome.StatusCode == 0 ? outcome.Message : $"HTTP {outcome.StatusCode}: {OneLine(outcome.Message)}";
                if (_backoff.Failures == 1 || _backoff.Failures % 10 == 0)
                {
                    _log.Warning("Push to {0} failed ({1}); retrying in {2:0.0} s, attempt {3}, {4} entries held",
                        _shipper.Destination, what, delay.TotalSeconds, _backoff.Failures + 1, part.Count);
                }

                Timers.StartSingleTimer(RetryNow.Instance, RetryNow.Instance, delay);
                break;
        }
    }

    private void Next()
    {
        _parts.Dequeue();
        if (_parts.Count > 0)
        {
            Attempt();
            return;
        }

        _requester.Tell(new PushCompleted(_current!.Batch.Count, _anyRejected ? ShipResult.Rejected : ShipResult.Delivered));
        _current = null;
        _anyRejected = false;
        _requester = ActorRefs.Nobody;
        Become(Idle);
        Stash.UnstashAll();
    }

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" | ");
        return line.Length > 1000 ? line[..1000] + "…" : line;
    }

    private sealed record AttemptFinished(ShipOutcome Outcome, TimeSpan Duration);

    private sealed class RetryNow
    {
        public static readonly RetryNow Instance = new();
    }
}
