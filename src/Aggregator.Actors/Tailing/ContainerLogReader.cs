using Aggregator.Actors.Pipeline;
using Akka;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// One log request as a stream of entries: opens the request, reads whole lines chunk by chunk, skips the lines
/// a resumed request sends again, waits for room in the memory budget, and stops reading whenever downstream
/// has no room.
/// </summary>
public static class ContainerLogSource
{
    /// <summary>
    /// The entries of one request. The stream always completes, never fails: a failure of the request is put in
    /// <paramref name="handle"/> instead. A failed stream would drop the entries still on their way downstream
    /// (failure overtakes elements), and those were already counted as read — they would never be read again.
    /// Cancelling <paramref name="stop"/> ends the stream, and so do the end of the log and
    /// <see cref="LogReadHandle.RequestReopen"/>.
    /// </summary>
    public static Source<LogChunk, NotUsed> Create(
        PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailDependencies dependencies,
        LogReadHandle handle, CancellationToken stop) =>
        Source.UnfoldResourceAsync<IReadOnlyList<LogChunk>, Reading>(
                () => Task.FromResult(new Reading(request, stream, resume, progress, dependencies, handle, stop)),
                reading => reading.NextAsync(),
                reading =>
                {
                    reading.Dispose();
                    return Task.FromResult(Done.Instance);
                })
            .SelectMany(chunks => chunks);

    private sealed class Reading(
        PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailDependencies dependencies,
        LogReadHandle handle, CancellationToken stop) : IDisposable
    {
        private readonly List<KubeletLine> _lines = [];
        private readonly LineLimit _limit = new(dependencies.Settings.MaxLineBytes, dependencies.Settings.OverlongLines);
        private readonly CancellationTokenSource _reading = CancellationTokenSource.CreateLinkedTokenSource(stop, handle.ReopenToken);
        private Stream? _body;
        private LogLineReader? _reader;
        private bool _ended;

        public async Task<Option<IReadOnlyList<LogChunk>>> NextAsync()
        {
            try
            {
                if (_reader is null)
                {
                    _body = await dependencies.OpenAsync(() => dependencies.Api.OpenLogAsync(request, _reading.Token), _reading.Token)
                        .ConfigureAwait(false);
                    _reader = new LogLineReader(_body, dependencies.Settings.PartialLineBytes);
                }

                while (!_ended)
                {
                    _lines.Clear();
                    _ended = !await _reader.ReadLinesAsync(_lines, _reading.Token).ConfigureAwait(false);
                    if (_ended && _reader.UnfinishedBytes > 0)
                    {
                        progress.CutLines++;
                    }

                    var entries = Admit();
                    if (entries is not null)
                    {
                        var settings = dependencies.Settings;
                        var chunks = LogChunk.Cut(stream, entries, settings.MaxChunkLines, settings.MaxChunkWeight);
                        long weight = 0;
                        foreach (var chunk in chunks)
                        {
                            weight += chunk.Weight;
                        }

                        // Only stopping may interrupt this wait: the entries are read already and must go on.
                        await dependencies.Budget.AcquireAsync(weight, stop).ConfigureAwait(false);
                        dependencies.Counters.Read(chunks);
                        return Option<IReadOnlyList<LogChunk>>.Create(chunks);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested || handle.ReopenToken.IsCancellationRequested)
            {
                // Stopped on purpose (shutdown, a stall reopen): a clean end.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Lines of this request that were admitted before the failure were returned by earlier calls.
                handle.Error = e;
            }

            return Option<IReadOnlyList<LogChunk>>.None;
        }

        private List<LogEntry>? Admit()
        {
            List<LogEntry>? entries = null;
            long characters = 0;
            long newest = 0;
            var admitted = 0;
            foreach (var line in _lines)
            {
                if (!resume.Admit(line.TimestampNanos))
                {
                    continue;
                }

                admitted++;
                characters += line.Line.Length;
                newest = line.TimestampNanos;
                var text = _limit.Apply(line.Line, out var cut);
                if (cut)
                {
                    dependencies.Counters.Overlong(dropped: text is null);
                }

                if (text is not null)
                {
                    (entries ??= new List<LogEntry>(_lines.Count)).Add(new LogEntry(stream, line.TimestampNanos, text));
                }
            }

            if (admitted > 0)
            {
                progress.Read(admitted, characters, newest);
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
