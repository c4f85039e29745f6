using System.Net;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Akka.Actor;
using Akka.Event;
using k8s;
using k8s.Models;

namespace Aggregator.Actors.Discovery;

/// <summary>
/// Keeps the set of tails in line with the pods of one namespace (or of all): lists the pods, then watches from
/// the list's resourceVersion with bookmarks, and lists again whenever the watch's position has expired (410).
/// Every container instance gets exactly one <see cref="StartTail"/>, as soon as it has a log to read.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in PostStop, the actor's end of life.")]
public sealed class PodWatcher : ReceiveActor, IWithTimers
{
    private readonly string? _namespace;
    private bool _listedOnce;
    private readonly IKubernetes _client;
    private readonly IActorRef _tails;
    private readonly DiscoverySettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RetryBackoff _backoff;
    private readonly ShippingCounters? _counters;
    private readonly TimeSpan? _reannounce;
    private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tailedByPod = new(StringComparer.Ordinal);
    private string? _resourceVersion;
    private CancellationTokenSource? _watch;
    private int _generation;
    private bool _expired;
    private int _eventsThisWatch;

    // The API server accepted the last watch request, and no watch has failed since: what readiness waits for.
    private bool _established;

    public PodWatcher(
        string? watchedNamespace, IKubernetes client, IActorRef tails, DiscoverySettings settings, ShippingCounters? counters = null, TimeSpan? reannounce = null)
    {
        _reannounce = reannounce;
        _counters = counters;
        _namespace = watchedNamespace;
        _client = client;
        _tails = tails;
        _settings = settings;
        _backoff = new RetryBackoff(settings.RetryMinimum, settings.RetryMaximum);

        Receive<Relist>(_ => ListPods());
        Receive<Listed>(OnListed);
        Receive<ListFailed>(failed =>
        {
            _established = false;
            var delay = _backoff.NextDelay();
            _log.Warning("Listing pods in {0} failed: {1}; trying again in {2:0.0} s", Scope, failed.Reason, delay.TotalSeconds);
            Timers.StartSingleTimer(Relist.Instance, Relist.Instance, delay);
        });
        Receive<Rewatch>(_ => Watch());
        Receive<WatchOpened>(e => e.Generation == _generation, _ => _established = true);
        Receive<WatchEvent>(e => e.Generation == _generation, OnWatchEvent);
        Receive<WatchExpired>(e => e.Generation == _generation, _ => _expired = true);
        Receive<WatchClosed>(e => e.Generation == _generation, OnWatchClosed);
        Receive<WatchOpened>(_ => { });
        Receive<WatchEvent>(_ => { });
        Receive<WatchExpired>(_ => { });
        Receive<WatchClosed>(_ => { });
        Receive<Reannounce>(_ => ReannounceRunning());
        Receive<GetWatchStatus>(_ => Sender.Tell(new WatchStatus(_namespace, _watch is not null, _pods.Count, _resourceVersion) { Established = _established }));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for a watcher of <paramref name="watchedNamespace"/> (null: every namespace) that starts tails through
    /// <paramref name="tails"/>. With <paramref name="reannounce"/>, the running instances are announced again at that
    /// interval: a shard region starts the tails of a shard that moved to another member only when told of them.
    /// </summary>
    public static Props Props(
        string? watchedNamespace, IKubernetes client, IActorRef tails, DiscoverySettings settings, ShippingCounters? counters = null, TimeSpan? reannounce = null) =>
        Akka.Actor.Props.Create(() => new PodWatcher(watchedNamespace, client, tails, settings, counters, reannounce));

    private string Scope => _namespace is null ? "all namespaces" : $"namespace {_namespace}";

    protected override void PreStart()
    {
        Self.Tell(Relist.Instance);
        if (_reannounce is { } interval)
        {
            Timers.StartPeriodicTimer(Reannounce.Instance, Reannounce.Instance, interval);
        }
    }

    protected override void PostStop() => StopWatching();

    private void ListPods()
    {
        StopWatching();
        var list = _namespace is null
            ? _client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: _settings.LabelSelector)
            : _client.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: _settings.LabelSelector);
        list.PipeTo(Self, success: pods => new Listed(pods), failure: e => new ListFailed(Describe(e)));
    }

    private void OnListed(Listed listed)
    {
        _resourceVersion = listed.Pods.Metadata?.ResourceVersion;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in listed.Pods.Items)
        {
            present.Add(Key(pod));
            _pods[Key(pod)] = pod;
            Reconcile(pod);
        }

        // Pods deleted while no watch was open: their tails stop by themselves once their logs end.
        foreach (var gone in _pods.Keys.Where(key => !present.Contains(key)).ToList())
        {
            Forget(gone);
        }

        _log.Info("Listed {0} pods in {1} at resourceVersion {2}", listed.Pods.Items.Count, Scope, _resourceVersion);
        if (!_listedOnce && _namespace is not null && listed.Pods.Items.Count == 0)
        {
            // The API server lists a namespace that does not exist as an empty one: a mistyped NAMESPACE looks the same.
            _log.Warning("Namespace {0} has no pods{1}; if pods were expected there, check that NAMESPACE names it (the API server lists a namespace that does not exist as an empty one)",
                _namespace, _settings.LabelSelector is { } selector ? $" matching {selector}" : string.Empty);
        }

        _listedOnce = true;
        Watch();
    }

    private void Watch()
    {
        StopWatching();
        var generation = ++_generation;
        _expired = false;
        _eventsThisWatch = 0;
        _watch = new CancellationTokenSource();
        var token = _watch.Token;
        var self = Self;
        var timeoutSeconds = (int)Math.Max(1, _settings.WatchTimeout.TotalSeconds);
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                self.Tell(new WatchExpired(generation));
            }
        }

        // The response is awaited apart from its events, so that the watch counts as established once the API
        // server accepts it — a quiet namespace may send no event for minutes.
        var response = _namespace is null
            ? _client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: true, labelSelector: _settings.LabelSelector, resourceVersion: _resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: token)
            : _client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(
                _namespace, allowWatchBookmarks: true, labelSelector: _settings.LabelSelector, resourceVersion: _resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: token);
        _ = Task.Run(
            async () =>
            {
                try
                {
                    var accepted = await response.ConfigureAwait(false);
                    self.Tell(new WatchOpened(generation));
                    // The generated WatchList…Async that replaces it hides the moment the server accepted the watch.
#pragma warning disable CS0618
                    var events = Task.FromResult(accepted).WatchAsync<V1Pod, V1PodList>(OnError, token);
#pragma warning restore CS0618
                    await foreach (var (type, pod) in events.ConfigureAwait(false))
                    {
                        self.Tell(new WatchEvent(generation, type, pod));
                    }

                    self.Tell(new WatchClosed(generation, null));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Replaced or stopped on purpose.
                }
                catch (EndOfStreamException)
                {
                    // KubernetesClient's way of saying that a watch ended before its first event: a quiet namespace.
                    self.Tell(new WatchClosed(generation, null));
                }
                catch (Exception e)
                {
                    self.Tell(new WatchClosed(generation, Describe(e)));
                }
            },
            CancellationToken.None);
    }

    private void OnWatchEvent(WatchEvent e)
    {
        _eventsThisWatch++;
        if (e.Pod?.Metadata?.ResourceVersion is { } version)
        {
            _resourceVersion = version;
        }

        switch (e.Type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                _pods[Key(e.Pod!)] = e.Pod!;
                Reconcile(e.Pod!);
                break;
            case WatchEventType.Deleted:
                // Its tails drain what the kubelet still serves and stop on their own.
                Forget(Key(e.Pod!));
                break;
        }
    }

    private void OnWatchClosed(WatchClosed closed)
    {
        _watch?.Dispose();
        _watch = null;
        _counters?.WatchRestarted();
        if (_expired || closed.Reason is not null)
        {
            _established = false;
        }

        if (_expired)
        {
            _log.Info("Watch position in {0} expired (410); listing again", Scope);
            ListPods();
            return;
        }

        if (closed.Reason is not null || _eventsThisWatch == 0)
        {
            var delay = _backoff.NextDelay();
            if (closed.Reason is not null)
            {
                _log.Warning("Watch of pods in {0} failed: {1}; watching again in {2:0.0} s", Scope, closed.Reason, delay.TotalSeconds);
            }

            Timers.StartSingleTimer(Rewatch.Instance, Rewatch.Instance, delay);
            return;
        }

        // The server ends every watch after a while; carry on from where it ended.
        _backoff.Reset();
        Watch();
    }

    private void Reconcile(V1Pod pod)
    {
        var key = Key(pod);
        foreach (var target in TailPlan.For(pod, _settings))
        {
            if (!_tailedByPod.TryGetValue(key, out var tailed))
            {
                _tailedByPod[key] = tailed = new HashSet<string>(StringComparer.Ordinal);
            }

            if (tailed.Add(target.ContainerId))
            {
                _tails.Tell(new StartTail(target, pod));
            }
        }
    }

    /// <summary>
    /// Announces again every instance that runs now. An instance that has exited is not: its tail stops once it has
    /// drained, and announcing it again would start a new drain.
    /// </summary>
    private void ReannounceRunning()
    {
        foreach (var pod in _pods.Values)
        {
            foreach (var target in TailPlan.For(pod, _settings).Where(t => TailDecision.Next(pod, t) == TailStep.Follow))
            {
                _tails.Tell(new StartTail(target, pod));
            }
        }
    }

    private void Forget(string key)
    {
        _pods.Remove(key);
        _tailedByPod.Remove(key);
    }

    private void StopWatching()
    {
        _generation++;
        _watch?.Cancel();
        _watch?.Dispose();
        _watch = null;
    }

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    private static string Describe(Exception e) => e.GetBaseException() switch
    {
        k8s.Autorest.HttpOperationException http =>
            $"HTTP {(int)http.Response.StatusCode}: {KubernetesPodApi.StatusMessage(http.Response.Content ?? string.Empty, http.Response.StatusCode)}",
        var inner => inner.Message,
    };

    private sealed class Relist
    {
        public static readonly Relist Instance = new();
    }

    private sealed class Reannounce
    {
        public static readonly Reannounce Instance = new();
    }

    private sealed class Rewatch
    {
        public static readonly Rewatch Instance = new();
    }

    private sealed record Listed(V1PodList Pods);

    private sealed record ListFailed(string Reason);

    private sealed record WatchOpened(int Generation);

    private sealed record WatchEvent(int Generation, WatchEventType Type, V1Pod? Pod);

    private sealed record WatchExpired(int Generation);

    private sealed record WatchClosed(int Generation, string? Reason);
}
