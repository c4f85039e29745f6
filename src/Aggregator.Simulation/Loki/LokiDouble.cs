using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.Simulation.Loki;

/// <summary>An HTTP double of Grafana Loki's push and query API.</summary>
public sealed class LokiDouble : IAsyncDisposable
{
    /// <summary>The tenant Loki uses for everything when auth_enabled is false.</summary>
    public const string SingleTenant = "fake";

    private readonly WebApplication app;
    private readonly LokiStore store;
    private readonly Lock gate = new();
    private readonly List<PushRecord> pushes = [];
    private readonly Queue<InjectedResponse> injected = new();
    private readonly List<PushWaiter> waiters = [];
    private readonly CancellationTokenSource stopping = new();
    private volatile StrongBox<int>? queryFailure;
    private volatile StrongBox<int>? downStatus;
    private long responseDelayTicks;
    private int pushesInFlight;
    private TaskCompletionSource? queryHold;
    private int queriesHeld;

    private LokiDouble(WebApplication app, LokiDoubleOptions options)
    {
        this.app = app;
        Options = options;
        store = new LokiStore(options.KeepLines);
        QueryFailureStatusCode = options.QueryFailureStatusCode;
        ResponseDelay = options.ResponseDelay;
    }

    /// <summary>
    /// Called for every decoded push, before it is answered, with the time and each entry's stream and timestamp:
    /// what a benchmark needs to measure the delay from a line's timestamp to Loki's acknowledgement.
    /// </summary>
    public event Action<DateTimeOffset, IReadOnlyList<ReceivedEntry>>? EntriesReceived;

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>BaseUri + loki/api/v1/push.</summary>
    public Uri PushUri => new(BaseUri, "loki/api/v1/push");

    /// <summary>The options the double was started with.</summary>
    public LokiDoubleOptions Options { get; }

    /// <summary>A snapshot of the streams holding at least one entry, in creation order (with the lines kept only).</summary>
    public IReadOnlyList<StoredStream> Streams => store.Snapshot();

    /// <summary>Stored entries, all streams and tenants.</summary>
    public long EntryCount => store.EntryCount;

    /// <summary>Entries received whose (timestamp, line) already existed in their stream; dropped as Loki does.</summary>
    public long DuplicatesReceived => store.DuplicateCount;

    /// <summary>Every push request received, in the order answered.</summary>
    public IReadOnlyList<PushRecord> Pushes
    {
        get
        {
            lock (gate)
            {
                return pushes.ToList();
            }
        }
    }

    /// <summary>While set, every query_range is answered with this status (fault injection).</summary>
    public int? QueryFailureStatusCode
    {
        get => queryFailure?.Value;
        set => queryFailure = value is { } code ? new StrongBox<int>(code) : null;
    }

    /// <summary>query_range requests held unanswered by <see cref="HoldQueries"/> now.</summary>
    public int QueriesHeld => Volatile.Read(ref queriesHeld);

    /// <summary>
    /// How long every push waits, once its body has been read, before it is processed (stored or refused) and
    /// answered: a slow Loki, for backpressure tests. Settable while running; a new value applies to pushes that
    /// arrive afterwards. A push whose client disconnects, or that is still waiting when the double is disposed,
    /// stores nothing and is not recorded. Zero (the default) answers at once.
    /// </summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref responseDelayTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref responseDelayTicks, value.Ticks);
        }
    }

    /// <summary>Pushes received and not answered yet (being read, held by <see cref="ResponseDelay"/> or processed).</summary>
    public int PushesInFlight => Volatile.Read(ref pushesInFlight);

    /// <summary>The status every push gets while the double is down (<see cref="SetDown"/>); null while up.</summary>
    public int? DownStatusCode => downStatus?.Value;

    /// <summary>Starts a double on 127.0.0.1 at <see cref="LokiDoubleOptions.Port"/>, by default a free port.</summary>
    public static async Task<LokiDouble> StartAsync(LokiDoubleOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The empty builder reads no appsettings or environment, so the host process's Kestrel settings cannot leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options?.Port ?? 0);

            // Loki accepts pushes far larger than Kestrel's 30 MB default.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        var app = builder.Build();
        var double_ = new LokiDouble(app, options ?? new LokiDoubleOptions());
        double_.MapRoutes();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        double_.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return double_;
    }

    /// <summary>Entries of all streams whose labels include every given pair, stream by stream in arrival order (with the lines kept only).</summary>
    public IReadOnlyList<StoredEntry> EntriesOf(IReadOnlyDictionary<string, string> labelMatch)
    {
        ArgumentNullException.ThrowIfNull(labelMatch);
        return store.EntriesOf(labelMatch);
    }

    /// <summary>
    /// Timestamp and line hash (<see cref="LineHash"/>) of every entry of the streams whose labels include every given
    /// pair, stream by stream in arrival order; kept whether or not the lines are.
    /// </summary>
    public IReadOnlyList<(long TimestampNanos, ulong LineHash)> HashesOf(IReadOnlyDictionary<string, string> labelMatch)
    {
        ArgumentNullException.ThrowIfNull(labelMatch);
        return store.HashesOf(labelMatch);
    }

    /// <summary>The hash by which the double tells lines apart, for comparing what was written with what it holds.</summary>
    public static ulong LineHash(string line) => IncomingEntry.Hash(line);

    /// <summary>The next <paramref name="times"/> pushes get this status and nothing of them is stored; <paramref name="retryAfter"/> adds a Retry-After header, as a proxy would (Loki itself sends none).</summary>
    public void EnqueueResponses(int statusCode, int times = 1, string? body = null, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (gate)
        {
            injected.Enqueue(new InjectedResponse(statusCode, times, body, retryAfter));
        }
    }

    /// <summary>
    /// Takes the double down: until <see cref="SetUp"/>, every push is answered <paramref name="statusCode"/> (e.g. 500
    /// or 503; 429 gets Loki's rate-limit message, others a generic text) and nothing of it is stored. Pushes are still
    /// recorded in <see cref="Pushes"/>. Responses queued by <see cref="EnqueueResponses"/> wait until the double is up.
    /// Queries and <c>/ready</c> are not affected. Simpler than enqueueing a count for a long outage.
    /// </summary>
    public void SetDown(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        downStatus = new StrongBox<int>(statusCode);
    }

    /// <summary>Ends <see cref="SetDown"/>: pushes are processed normally again.</summary>
    public void SetUp() => downStatus = null;

    /// <summary>
    /// From now until <see cref="ReleaseQueries"/>, every query_range waits unanswered, as on a Loki whose queriers are
    /// all busy; a client that gives up meanwhile gets nothing. Pushes, labels and <c>/ready</c> are not affected.
    /// </summary>
    public void HoldQueries() => Interlocked.CompareExchange(ref queryHold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Answers the queries <see cref="HoldQueries"/> held, and those that come later at once.</summary>
    public void ReleaseQueries() => Interlocked.Exchange(ref queryHold, null)?.TrySetResult();

    /// <summary>Completes when the condition holds, checked at once and after every push; throws <see cref="TimeoutException"/> otherwise.</summary>
    public async Task WaitUntilAsync(Func<LokiDouble, bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var waiter = new PushWaiter(condition);

        // Registered before the first check, so that a push in between cannot be missed.
        lock (gate)
        {
            waiters.Add(waiter);
        }

        try
        {
            waiter.Check(this);
            await waiter.Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var all = Pushes;
            var last = all.Count == 0 ? null : all[^1];
            throw new TimeoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"The Loki double's condition did not hold within {timeout}: {all.Count} pushes received, {EntryCount} entries stored in {store.StreamCount} streams, {DuplicatesReceived} duplicates; last push answered {(last is null ? "-" : last.StatusCode.ToString(CultureInfo.InvariantCulture))} {last?.ResponseBody}"));
        }
        finally
        {
            lock (gate)
            {
                waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        // Delayed pushes give up first, and held queries are answered, so that stopping does not wait for them.
        await stopping.CancelAsync().ConfigureAwait(false);
        ReleaseQueries();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>Writes a plain-text answer the way Go's http.Error does: text/plain, nosniff, message and a newline.</summary>
    internal static async Task WriteTextAsync(HttpResponse response, int statusCode, string message)
    {
        response.StatusCode = statusCode;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        await response.WriteAsync(message + "\n").ConfigureAwait(false);
    }

    private void MapRoutes()
    {
        app.MapPost("/loki/api/v1/push", HandlePushAsync);
        app.MapGet("/loki/api/v1/query_range", context => WithTenant(context, tenant => LokiQueryApi.QueryRange(context, store, tenant, Options), query: true));
        app.MapGet("/loki/api/v1/labels", context => WithTenant(context, tenant => LokiQueryApi.Strings(context, store.LabelNames(tenant)), query: false));
        app.MapGet("/loki/api/v1/label/{name}/values", context =>
            WithTenant(context, tenant => LokiQueryApi.Strings(context, store.LabelValues(tenant, (string)context.Request.RouteValues["name"]!)), query: false));
        app.MapGet("/ready", context => WriteTextAsync(context.Response, StatusCodes.Status200OK, "ready"));
    }

    private async Task WithTenant(HttpContext context, Func<string, Task> handle, bool query)
    {
        var tenant = TenantOf(context.Request);
        if (tenant is null)
        {
            await WriteTextAsync(context.Response, StatusCodes.Status401Unauthorized, "no org id").ConfigureAwait(false);
            return;
        }

        if (query && Volatile.Read(ref queryHold) is { } hold)
        {
            Interlocked.Increment(ref queriesHeld);
            try
            {
                await hold.Task.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client gave up waiting: there is no one to answer.
                return;
            }
            finally
            {
                Interlocked.Decrement(ref queriesHeld);
            }
        }

        if (query && QueryFailureStatusCode is { } failure)
        {
            await WriteTextAsync(context.Response, failure, "injected query failure: " + ReasonPhrases.GetReasonPhrase(failure)).ConfigureAwait(false);
            return;
        }

        await handle(tenant).ConfigureAwait(false);
    }

    // Null when a tenant is required and missing (Loki's 401 "no org id").
    private string? TenantOf(HttpRequest request)
    {
        if (!Options.RequireTenant)
        {
            return SingleTenant;
        }

        var header = request.Headers["X-Scope-OrgID"].ToString();
        return header.Length == 0 ? null : header;
    }

    private async Task HandlePushAsync(HttpContext context)
    {
        Interlocked.Increment(ref pushesInFlight);
        try
        {
            await HandlePushCoreAsync(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref pushesInFlight);
        }
    }

    private async Task HandlePushCoreAsync(HttpContext context)
    {
        var request = context.Request;
        var (body, rented) = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        try
        {
            await AnswerPushAsync(context, body).ConfigureAwait(false);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // A body of known length goes into a pooled buffer: a benchmark's pushes would otherwise each allocate a
    // large-object array or two, on the cores the aggregator is measured on. The body is not kept after the answer.
    private static async Task<(ArraySegment<byte> Body, byte[]? Rented)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)length);
            var read = await request.Body.ReadAtLeastAsync(rented.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            return (new ArraySegment<byte>(rented, 0, read), rented);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return (buffer.ToArray(), null);
    }

    private async Task AnswerPushAsync(HttpContext context, ArraySegment<byte> body)
    {
        var request = context.Request;

        if (ResponseDelay is { Ticks: > 0 } delay)
        {
            using var abandoned = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
            try
            {
                await Task.Delay(delay, abandoned.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client left or the double is stopping: cut the connection rather than answer a default 200.
                context.Abort();
                return;
            }
        }

        var contentType = request.Headers.ContentType.ToString();
        var contentEncoding = request.Headers.ContentEncoding.ToString();
        var answer = Answer(request, body, contentType, contentEncoding);
        if (answer.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(0, retryAfter.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
        }

        if (answer.StatusCode == StatusCodes.Status204NoContent)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        else
        {
            await WriteTextAsync(context.Response, answer.StatusCode, answer.Body).ConfigureAwait(false);
        }

        var record = new PushRecord(
            Options.TimeProvider.GetUtcNow(),
            answer.StatusCode,
            NullIfEmpty(contentType),
            NullIfEmpty(contentEncoding),
            NullIfEmpty(request.Headers["X-Scope-OrgID"].ToString()),
            NullIfEmpty(request.Headers.Authorization.ToString()),
            answer.Streams,
            answer.Entries,
            answer.Rejected,
            answer.Duplicates,
            answer.StatusCode == StatusCodes.Status204NoContent ? string.Empty : answer.Body + "\n");
        PushWaiter[] toCheck;
        lock (gate)
        {
            pushes.Add(record);
            toCheck = [.. waiters];
        }

        foreach (var waiter in toCheck)
        {
            waiter.Check(this);
        }
    }

    private PushAnswer Answer(HttpRequest request, ArraySegment<byte> body, string contentType, string contentEncoding)
    {
        if (downStatus is { } down)
        {
            return AnswerInjected(new InjectedResponse(down.Value, 1, null, null), body, contentType, contentEncoding, request.Headers["X-Scope-OrgID"].ToString());
        }

        if (TryTakeInjected() is { } injectedResponse)
        {
            return AnswerInjected(injectedResponse, body, contentType, contentEncoding, request.Headers["X-Scope-OrgID"].ToString());
        }

        var tenant = TenantOf(request);
        if (tenant is null)
        {
            return new PushAnswer(StatusCodes.Status401Unauthorized, "no org id");
        }

        IReadOnlyList<IncomingStream> streams;
        try
        {
            streams = PushBodyDecoder.Decode(body, contentType, contentEncoding, Options.KeepLines);
        }
        catch (PushDecodeException ex)
        {
            return new PushAnswer(StatusCodes.Status400BadRequest, ex.Message);
        }

        if (streams.Count == 0)
        {
            return Options.RejectEmptyPush
                ? new PushAnswer(StatusCodes.Status422UnprocessableEntity, PushValidation.MissingStreamsMessage)
                : new PushAnswer(StatusCodes.Status204NoContent, string.Empty);
        }

        var now = Options.TimeProvider.GetUtcNow();
        var outcome = store.Apply(tenant, streams, Options, (now.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);
        if (EntriesReceived is { } received)
        {
            var entries = new ReceivedEntry[outcome.EntryCount];
            var i = 0;
            foreach (var stream in streams)
            {
                foreach (var entry in stream.Entries)
                {
                    entries[i++] = new ReceivedEntry(stream.Labels, entry.TimestampNanos);
                }
            }

            received(now, entries);
        }

        var status = outcome.RejectedCount == 0 ? StatusCodes.Status204NoContent : StatusCodes.Status400BadRequest;
        return new PushAnswer(status, status == StatusCodes.Status204NoContent ? string.Empty : outcome.Body(tenant))
        {
            Streams = outcome.StreamCount,
            Entries = outcome.EntryCount,
            Rejected = outcome.RejectedCount,
            Duplicates = outcome.DuplicateCount,
        };
    }

    private InjectedResponse? TryTakeInjected()
    {
        lock (gate)
        {
            if (!injected.TryPeek(out var next))
            {
                return null;
            }

            if (--next.Remaining == 0)
            {
                injected.Dequeue();
            }

            return next;
        }
    }

    private static PushAnswer AnswerInjected(InjectedResponse response, ArraySegment<byte> body, string contentType, string contentEncoding, string tenantHeader)
    {
        // Decoded only to fill the record and a realistic 429 message; an undecodable body still gets the injected status.
        IReadOnlyList<IncomingStream> streams;
        try
        {
            streams = PushBodyDecoder.Decode(body, contentType, contentEncoding);
        }
        catch (PushDecodeException)
        {
            streams = [];
        }

        var entries = streams.Sum(s => s.Entries.Count);
        var bytes = streams.Sum(s => s.Entries.Sum(e => e.LineBytes));
        var tenant = tenantHeader.Length == 0 ? SingleTenant : tenantHeader;
        var text = response.Body ?? (response.StatusCode == StatusCodes.Status429TooManyRequests
            ? string.Create(CultureInfo.InvariantCulture, $"Ingestion rate limit exceeded for user {tenant} (limit: 4194304 bytes/sec) while attempting to ingest '{entries}' lines totaling '{bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased")
            : "injected by the Loki double: " + ReasonPhrases.GetReasonPhrase(response.StatusCode));
        return new PushAnswer(response.StatusCode, text)
        {
            RetryAfter = response.RetryAfter,
            Streams = streams.Count,
            Entries = entries,
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private sealed record PushAnswer(int StatusCode, string Body)
    {
        public TimeSpan? RetryAfter { get; init; }

        public int Streams { get; init; }

        public int Entries { get; init; }

        public int Rejected { get; init; }

        public int Duplicates { get; init; }
    }

    private sealed class PushWaiter(Func<LokiDouble, bool> condition)
    {
        private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completion => completion.Task;

        public void Check(LokiDouble lokiDouble)
        {
            if (completion.Task.IsCompleted)
            {
                return;
            }

            try
            {
                if (condition(lokiDouble))
                {
                    completion.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        }
    }
}
