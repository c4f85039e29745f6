using System.Runtime.CompilerServices;
using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// One log request read into the pipeline: opens the request, reads whole lines chunk by chunk, skips the lines
/// a resumed request sends again, and waits for room in the memory budget before it hands each read on.
/// </summary>
/// <remarks>
/// A plain loop on the request's own completions rather than a stream graph per tail: at a trickle every line
/// would otherwise wake the tail's stream actor and then the hub's, and each materialised graph costs memory
/// for as long as the container lives. The budget is what holds reading back when Loki is slow.
/// </remarks>
public static class ContainerLogReader
{
    /// <summary>
    /// Reads until the log ends, <paramref name="stop"/> is cancelled or <see cref="LogReadHandle.RequestReopen"/>
    /// is called. Never fails: a failure of the request is put in <paramref name="handle"/>, after every line read
    /// before it was handed on.
    /// </summary>
    public static async Task ReadAsync(
        PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailDependencies dependencies,
        LogReadHandle handle, CancellationToken stop)
    {
        using var reading = new Reading(request, stream, resume, progress, dependencies, handle, stop);
        await reading.RunAsync().ConfigureAwait(false);
    }

    private sealed class Reading(
        PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailDependencies dependencies,
        LogReadHandle handle, CancellationToken stop) : IDisposable
    {
        private readonly List<KubeletLine> _lines = [];
        private readonly List<LogChunk> _chunks = [];
        private readonly LineLimit _limit = new(dependencies.Settings.MaxLineBytes, dependencies.Settings.OverlongLines);
        private readonly CancellationTokenSource _reading = CancellationTokenSource.CreateLinkedTokenSource(stop, handle.ReopenToken);
        private Stream? _body;
        private LogLineReader? _reader;

        public async Task RunAsync()
        {
            try
            {
                _body = await dependencies.OpenAsync(() => dependencies.Api.OpenLogAsync(request, _reading.Token), _reading.Token)
                    .ConfigureAwait(false);
                var pace = dependencies.Pacer?.Enrol(holdsUnreadBytes: _body is ILogBody { HoldsUnreadBytes: true });
                _reader = new LogLineReader(_body, dependencies.Settings.PartialLineBytes, pace: pace, maxLineBytes: dependencies.Settings.MaxLineBytes);
                var ended = false;
                while (!ended)
                {
                    _lines.Clear();
                    ended = !await _reader.ReadLinesAsync(_lines, _reading.Token).ConfigureAwait(false);
                    if (ended)
                    {
                        EndOfBody();
                    }

                    var entries = Admit();
                    if (entries is null)
                    {
                        _reader.Block?.Unused();
                    }
                    else if (!await HandOnAsync(entries, _reader.Block).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested || handle.ReopenToken.IsCancellationRequested)
            {
                // Stopped on purpose (shutdown, a stall reopen): a clean end.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Lines of this request that were admitted before the failure were handed on already.
                handle.Error = e;
            }
        }

        // False when the pipeline takes nothing more (it is shutting down): reading ends. Its state is pooled: while
        // tails catch up, nearly every read waits for the budget here, and each wait would box it anew.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> HandOnAsync(List<LogEntry> entries, LineBlock? block)
        {
            var settings = dependencies.Settings;
            var chunks = _chunks;
            LogChunk.Cut(stream, entries, settings.MaxChunkLines, settings.MaxChunkWeight, chunks);
            // A block that never reaches the pipeline (stopping) is left to the collector, never given back early.
            block?.HeldBy(chunks);
            try
            {
                long weight = 0;
                foreach (var chunk in chunks)
                {
                    weight += chunk.Weight;
                }

                // Only stopping may interrupt this wait: the entries are read already and must go on.
                var acquiring = dependencies.Budget.AcquireAsync(weight, stop);
                if (!acquiring.IsCompleted)
                {
                    // Held back (Loki is slow, or many tails catch up at once): wait without the read buffer.
                    _reader!.Compact();
                }

                await acquiring.ConfigureAwait(false);
                foreach (var chunk in chunks)
                {
                    dependencies.Counters.Read(chunk);
                }

                for (var i = 0; i < chunks.Count; i++)
                {
                    if (!dependencies.Pipeline.TryWrite(chunks[i]))
                    {
                        // Closed while these were read: no answer will ever settle them, so they must not age in the lag.
                        for (; i < chunks.Count; i++)
                        {
                            dependencies.Counters.NotHandedOn(chunks[i]);
                        }

                        return false;
                    }
                }

                return true;
            }
            finally
            {
                // A quiet tail must not keep its last read alive until the next one.
                chunks.Clear();
            }
        }

        /// <summary>
        /// At the body's end, an unfinished last line is a cut connection's, which the next request sends again
        /// whole, unless an exited instance's log ends with it: the runtime writes output without its newline as a
        /// partial record when the container exits, and the kubelet sends it as it is. A drain that ends on the same
        /// fragment as the read before it shows that; the fragment is then the line, taken once.
        /// </summary>
        private void EndOfBody()
        {
            var fragment = _reader!.Unfinished;
            if (fragment.IsEmpty)
            {
                progress.LastFragment = null;
                return;
            }

            if (progress.LastFragment is { } last && fragment.SequenceEqual(last))
            {
                if (!request.Follow && !progress.FragmentTaken)
                {
                    _reader.TakeUnfinishedLine(_lines);
                    progress.FragmentTaken = true;
                }

                return;
            }

            progress.CutLines++;
            progress.LastFragment = fragment.ToArray();
            progress.FragmentTaken = false;
            if (!request.Follow)
            {
                // Possibly the last output, which a follow that ended as the container stopped did not see: read again.
                progress.NewFragments++;
            }
        }

        private List<LogEntry>? Admit()
        {
            List<LogEntry>? entries = null;
            long bytes = 0;
            long newest = 0;
            var admitted = 0;
            // Nearly always none: the per-line cost is one comparison.
            var straddling = _reader!.Straddling;
            var straddlingCount = straddling.Count;
            var record = 0;
            var capped = _reader.Capped;
            var cappedAt = 0;
            for (var i = 0; i < _lines.Count; i++)
            {
                var line = _lines[i];
                var isNew = resume.Admit(line.TimestampNanos);
                if (record < straddlingCount && (isNew || resume.BeganBeforeWindow(line.TimestampNanos)))
                {
                    for (; record < straddlingCount && straddling[record].Line <= i; record++)
                    {
                        if (straddling[record].Line == i)
                        {
                            resume.AlsoRead(straddling[record].TimestampNanos);
                        }
                    }
                }

                if (!isNew)
                {
                    continue;
                }

                admitted++;
                bytes += line.Utf8.Length;
                newest = line.TimestampNanos;
                long readPast = 0;
                for (; cappedAt < capped.Count && capped[cappedAt].Line <= i; cappedAt++)
                {
                    if (capped[cappedAt].Line == i)
                    {
                        readPast = capped[cappedAt].DiscardedBytes;
                    }
                }

                var text = _limit.Apply(line.Utf8, out var cut, readPast);
                if (cut)
                {
                    dependencies.Counters.Overlong(dropped: text is null);
                }

                if (text is { } kept)
                {
                    // A pooled read's list goes back to its pool with the read's block, once Loki settled its lines.
                    entries ??= _reader.Block?.EntryList(_lines.Count) ?? new List<LogEntry>(_lines.Count);
                    entries.Add(new LogEntry(stream, line.TimestampNanos, kept));
                }
            }

            if (admitted > 0)
            {
                progress.Read(admitted, bytes, newest);
            }

            return entries;
        }

        public void Dispose()
        {
            _reader?.Dispose();
            _body?.Dispose();
            _reading.Dispose();
        }
    }
}

/// <summary>One log request's handle: asks it to end so it can be reopened, and tells how it ended.</summary>
public sealed class LogReadHandle : IDisposable
{
    private readonly CancellationTokenSource _reopen = new();

    /// <summary>The failure that ended the request, or null when the log ended or reading was stopped.</summary>
    public Exception? Error { get; internal set; }

    /// <summary>True when the request was ended by <see cref="RequestReopen"/>.</summary>
    public bool ReopenRequested => _reopen.IsCancellationRequested;

    internal CancellationToken ReopenToken => _reopen.Token;

    /// <summary>Ends the request cleanly so that it can be opened again (a stalled stream): what was read goes on.</summary>
    public void RequestReopen() => _reopen.Cancel();

    public void Dispose() => _reopen.Dispose();
}
