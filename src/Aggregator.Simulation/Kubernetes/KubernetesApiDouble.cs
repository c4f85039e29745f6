using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>An HTTP double of the Kubernetes API server and kubelet log endpoint.</summary>
public sealed class KubernetesApiDouble : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ClusterState cluster;
    private readonly LogStreamTracker tracker;
    private readonly KubernetesApiRouter router;
    private readonly CancellationTokenSource stopping;
    private readonly DoubleCertificates? certificates;

    private KubernetesApiDouble(
        WebApplication app,
        ClusterState cluster,
        LogStreamTracker tracker,
        KubernetesApiRouter router,
        CancellationTokenSource stopping,
        DoubleCertificates? certificates)
    {
        this.app = app;
        this.cluster = cluster;
        this.tracker = tracker;
        this.router = router;
        this.stopping = stopping;
        this.certificates = certificates;
        app.Run(router.HandleAsync);
    }

    /// <summary>The server's address, <c>http://127.0.0.1:PORT</c> (<c>https://</c> with <see cref="KubernetesDoubleOptions.Tls"/>).</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>With <see cref="KubernetesDoubleOptions.Tls"/>: the CA that signed the server's certificate (no private key).</summary>
    public X509Certificate2? CertificateAuthority => certificates?.Authority;

    /// <summary>Every pods/log request received, in arrival order, with the status it was answered.</summary>
    public IReadOnlyList<LogRequestRecord> LogRequests => router.LogRequests;

    /// <summary>How many log responses are being streamed right now.</summary>
    public int OpenLogStreamCount => tracker.Count;

    /// <summary>The container of every log response being streamed right now: two for one container means two readers.</summary>
    public IReadOnlyList<(string Namespace, string Pod, string Container)> OpenLogStreams => tracker.Open();

    /// <summary>How many open log responses are stalled by <see cref="StallLogStreams"/> right now.</summary>
    public int StalledLogStreamCount => tracker.StalledCount;

    /// <summary>How many watch requests have arrived.</summary>
    public int WatchRequestCount => router.WatchRequestCount;

    /// <summary>How many list (non-watch collection) requests have arrived.</summary>
    public int ListRequestCount => router.ListRequestCount;

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => cluster.CurrentResourceVersion;

    /// <summary>Starts a double on 127.0.0.1 at a free port.</summary>
    public static async Task<KubernetesApiDouble> StartAsync(KubernetesDoubleOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubernetesDoubleOptions();
        var certificates = options.Tls ? DoubleCertificates.Create() : null;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole()

            // Kestrel's general category reports application exceptions, and a mid-line sever throws one on purpose;
            // the router logs every other exception itself.
            // A filter function replaces the minimum level, so it repeats it.
            .AddFilter((category, level) => level >= LogLevel.Warning && category != "Microsoft.AspNetCore.Server.Kestrel");
        // As the Loki double's: the host's console lifetime stopped this double on the demo's first Ctrl+C or
        // SIGTERM, and swallowed the second, which is to end the demo at once.
        builder.Services.AddSingleton<IHostLifetime, Loki.QuietHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificates is null)
                {
                    listen.Protocols = HttpProtocols.Http1;
                }
                else
                {
                    // As the API server: HTTP/2 to a client that offers it (ALPN), HTTP/1.1 to one that does not.
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificates.Server);
                }
            });
        });
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        var cluster = new ClusterState(options);
        var tracker = new LogStreamTracker();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Aggregator.Simulation.Kubernetes");
        var router = new KubernetesApiRouter(cluster, tracker, options, logger, stopping.Token);
        var double_ = new KubernetesApiDouble(app, cluster, tracker, router, stopping, certificates);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await double_.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        double_.BaseUri = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return double_;
    }

    /// <summary>
    /// Writes a kubeconfig whose server is <see cref="BaseUri"/> (no auth, namespace "default"; with
    /// <see cref="KubernetesDoubleOptions.Tls"/>, the double's CA as <c>certificate-authority-data</c>); returns the path.
    /// </summary>
    public string WriteKubeconfig(string path) => KubeconfigWriter.Write(path, BaseUri, "default", certificates?.AuthorityPem);

    /// <summary>
    /// Creates a Pending pod whose containers wait (ContainerCreating, or PodInitializing behind init containers).
    /// <paramref name="nodeName"/> defaults to <see cref="KubernetesDoubleOptions.NodeName"/>; an empty one leaves the pod
    /// unscheduled (no container statuses, its log an empty 200) until <see cref="StartPod"/>.
    /// </summary>
    public void CreatePod(
        string ns,
        string pod,
        IEnumerable<string> containers,
        IReadOnlyDictionary<string, string>? labels = null,
        IEnumerable<string>? initContainers = null,
        string? nodeName = null) =>
        cluster.CreatePod(ns, pod, containers, labels, initContainers, nodeName);

    /// <summary>Makes the pod Running: every regular container runs with a fresh containerID (outstanding init containers complete first).</summary>
    public void StartPod(string ns, string pod) => cluster.StartPod(ns, pod);

    /// <summary>Runs an init container (new containerID); the pod stays Pending.</summary>
    public void StartInitContainer(string ns, string pod, string container) => cluster.StartInitContainer(ns, pod, container);

    /// <summary>An init container exits 0 (started first if it never ran); its follow streams drain and end.</summary>
    public void CompleteInitContainer(string ns, string pod, string container) => cluster.CompleteInitContainer(ns, pod, container);

    /// <summary>Adds a running ephemeral (debug) container; it appears in ephemeralContainerStatuses.</summary>
    public void AddEphemeralContainer(string ns, string pod, string container) => cluster.AddEphemeralContainer(ns, pod, container);

    /// <summary>
    /// Appends one record to the running instance's log and returns its Unix-nanosecond timestamp
    /// (by default the wall clock, kept strictly increasing per instance). Open follow streams receive it promptly.
    /// </summary>
    public long WriteLine(string ns, string pod, string container, string line, string stream = "stdout", long? timestampNanos = null) =>
        cluster.WriteLine(ns, pod, container, line, stream, timestampNanos);

    /// <summary>
    /// The running instance writes output without a newline and exits with the code: the runtime writes such output
    /// as a partial record when the container's output ends, and the kubelet sends it as it is, without a newline.
    /// Returns its timestamp.
    /// </summary>
    public long ExitAfterUnterminatedOutput(string ns, string pod, string container, string output, int exitCode = 0)
    {
        var timestamp = cluster.WriteLine(ns, pod, container, output, "stdout", timestampNanos: null, endsLine: false);
        cluster.TerminateContainer(ns, pod, container, exitCode);
        return timestamp;
    }

    /// <summary>
    /// The running instance exits with code 1 (kept as lastState.terminated) and a new instance runs with a new
    /// containerID and restartCount + 1. Follow streams of the old instance drain and end.
    /// </summary>
    public void RestartContainer(string ns, string pod, string container) => cluster.RestartContainer(ns, pod, container);

    /// <summary>
    /// The running instance exits and the container waits in CrashLoopBackOff (restartCount + 1) until
    /// <see cref="RestartContainer"/>; meanwhile its log requests read the exited instance.
    /// </summary>
    public void CrashContainer(string ns, string pod, string container, int exitCode = 1) =>
        cluster.CrashContainer(ns, pod, container, exitCode);

    /// <summary>The running instance exits with the code (containerID kept); its follow streams drain and end.</summary>
    public void TerminateContainer(string ns, string pod, string container, int exitCode = 0) =>
        cluster.TerminateContainer(ns, pod, container, exitCode);

    /// <summary>Every container exits, follow streams drain and end, a DELETED event is sent; the pod and its log then answer 404.</summary>
    public void DeletePod(string ns, string pod) => cluster.DeletePod(ns, pod);

    /// <summary>Aborts the matching open log responses mid-body, as a cut connection (null matches anything).</summary>
    /// <remarks>
    /// <para>
    /// Without <paramref name="midLine"/> every matching response is aborted at once, between lines.
    /// </para>
    /// <para>
    /// With <paramref name="midLine"/>, the cut falls in the middle of a line: each matching follow stream sends the
    /// first half of its next record (its timestamp prefix when <c>timestamps=true</c>, then the first half of the
    /// record's bytes, moved back to a UTF-8 character boundary, and no newline) and then the connection closes
    /// without the final chunk, so the client reads a trailing fragment and then an <see cref="IOException"/>.
    /// The next record is the first one the stream has not sent yet: at once when it has one (a stalled stream
    /// does), otherwise the stream waits until the container writes one. It is always a real prefix of a real record,
    /// so a resumed request (<c>sinceTime</c>) gets that line again whole. This call returns at once; the cut happens
    /// on the streaming side (watch <see cref="OpenLogStreamCount"/>). A stream whose container ends before writing
    /// another record is aborted without a fragment; a non-follow response is aborted at once; a record with nothing
    /// to halve (an empty line without timestamps) gives an empty fragment. A one-character record is sent whole,
    /// still without its newline. Only streams open at the time of the call are affected.
    /// </para>
    /// </remarks>
    public void SeverLogStreams(string? ns = null, string? pod = null, string? container = null, bool midLine = false) =>
        tracker.Sever(ns, pod, container, midLine);

    /// <summary>
    /// Emulates the rotation stall of kubelets before 1.29 (kubernetes#59902): the matching follow streams open now
    /// stay open (no EOF, no error) but receive no further record, although the container keeps writing
    /// (null matches anything). Streams opened later are not stalled and get everything, as a reopened request does
    /// after a real rotation. A stalled stream whose container ends finishes with a clean EOF without the records it
    /// missed, as the stalled kubelet does when it notices the container has stopped. <see cref="SeverLogStreams"/>
    /// still cuts stalled streams; with <c>midLine</c>, at once, halfway through the first record they missed.
    /// </summary>
    public void StallLogStreams(string? ns = null, string? pod = null, string? container = null) => tracker.Stall(ns, pod, container);

    /// <summary>Every stalled stream delivers again, starting with the records it missed (for cleanup).</summary>
    public void ResumeStalledLogStreams() => tracker.ResumeStalled();

    /// <summary>Ends every open watch with a clean end of its body.</summary>
    public void SeverWatches() => cluster.EndAllWatches();

    /// <summary>Forgets the watch history: a later watch from any resourceVersion handed out before this call gets the 410 ERROR event.</summary>
    public void ExpireWatchHistory() => cluster.ExpireHistory();

    /// <summary>Every line ever written by the container, across all its instances, in write order.</summary>
    public IReadOnlyList<LogRecord> LogOf(string ns, string pod, string container) => cluster.LogOf(ns, pod, container);

    /// <summary>The containerID of the container's running instance, or null when it is not running.</summary>
    public string? RunningContainerId(string ns, string pod, string container) => cluster.RunningContainerId(ns, pod, container);

    /// <summary>
    /// Injects faults: when <paramref name="fault"/> returns a status code, that code is answered with a Status body
    /// instead of the real response. Null removes the hook.
    /// </summary>
    /// <remarks>
    /// The bodies are the API server's: 403 is RBAC's <c>Forbidden</c> naming the verb, resource (<c>pods/log</c> for a
    /// log request), namespace and <see cref="KubernetesDoubleOptions.UserName"/>, e.g.
    /// <c>pods "p" is forbidden: User "system:serviceaccount:ns:sa" cannot get resource "pods/log" in API group "" in the namespace "ns"</c>;
    /// 429 is <c>TooManyRequests</c> "Too many requests, please try again later." with <c>Retry-After: 1</c>;
    /// 500 is <c>InternalError</c>. A faulted log request is still recorded in <see cref="LogRequests"/>.
    /// </remarks>
    public void FailRequests(Func<HttpRequest, int?>? fault) => router.Fault = fault;

    /// <summary>Ends every stream cleanly and stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        cluster.EndAllWatches();
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(grace.Token).ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        certificates?.Dispose();
    }
}
