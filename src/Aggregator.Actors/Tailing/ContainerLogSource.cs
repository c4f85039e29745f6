using Aggregator.Actors.Pipeline;
using Akka;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// One log request as a stream of entries: opens the request, reads whole lines chunk by chunk, skips the lines
/// a resumed request sends again, and stops reading whenever downstream has no room.
/// </summary>
public static class ContainerLogSource
{
    /// <summary>
    /// The entries of one request. The stream always completes, never fails: a failure of the request is put in
    /// <paramref name="outcome"/> instead. A failed stream would drop the entries still on their way downstream
    /// (failure overtakes elements), and those were already counted as read — they would never be read again.
    /// Cancelling <paramref name="cancellation"/> ends the stream, and so does the end of the log.
    /// </summary>
    public static Source<LogEntry, NotUsed> Create(
        IPodApi api, PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailSettings settings,
        LogReadOutcome outcome, CancellationToken cancellation) =>
        Source.UnfoldResourceAsync<IReadOnlyList<LogEntry>, Reading>(
                () => Task.FromResult(new Reading(api, request, stream, resume, progress, settings, outcome)),
                reading => reading.NextAsync(cancellation),
                reading =>
                {
                    reading.Dispose();
                    return Task.FromResult(Done.Instance);
                })
            .SelectMany(entries => entries);

    private sealed class Reading(
        IPodApi api, PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailSettings settings,
        LogReadOutcome outcome) : IDisposable
    {
        private readonly List<KubeletLine> _lines = [];
        private Stream? _body;
        private LogLineReader? _reader;
        private bool _ended;

        public async Task<Option<IReadOnlyList<LogEntry>>> NextAsync(CancellationToken cancellation)
        {
            try
            {
                if (_reader is null)
                {
                    _body = await api.OpenLogAsync(request, cancellation).ConfigureAwait(false);
                    _reader = new LogLineReader(_body, settings.PartialLineBytes);
                }

                while (!_ended)
                {
                    _lines.Clear();
                    _ended = !await _reader.ReadLinesAsync(_lines, cancellation).ConfigureAwait(false);
                    if (_ended && _reader.UnfinishedBytes > 0)
                    {
                        progress.CutLines++;
                    }

                    List<LogEntry>? entries = null;
                    foreach (var line in _lines)
                    {
                        if (resume.Admit(line.TimestampNanos))
                        {
                            (entries ??= new List<LogEntry>(_lines.Count)).Add(new LogEntry(stream, line.TimestampNanos, line.Line));
                            progress.Read(line.TimestampNanos, line.Line.Length);
                        }
                    }

                    if (entries is not null)
                    {
                        return Option<IReadOnlyList<LogEntry>>.Create(entries);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Stopped on purpose (shutdown, handoff): a clean end.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Lines of this read that were admitted before the failure were returned by earlier calls.
                outcome.Error = e;
            }

            return Option<IReadOnlyList<LogEntry>>.None;
        }

        public void Dispose()
        {
            _reader?.Dispose();
            _body?.Dispose();
        }
    }
}

/// <summary>How one log request ended: cleanly, or with the error that ended it.</summary>
public sealed class LogReadOutcome
{
    /// <summary>The failure that ended the request, or null when the log ended or reading was stopped.</summary>
    public Exception? Error { get; internal set; }
}
