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
    /// <summary>The entries of one request; cancelling <paramref name="cancellation"/> ends it, and so does the log's end.</summary>
    public static Source<LogEntry, NotUsed> Create(
        IPodApi api, PodLogRequest request, LogStream stream, ResumePoint resume, TailProgress progress, TailSettings settings,
        CancellationToken cancellation) =>
        Source.UnfoldResourceAsync<IReadOnlyList<LogEntry>, Reading>(
                async () => new Reading(
                    await api.OpenLogAsync(request, cancellation).ConfigureAwait(false), stream, resume, progress, settings),
                reading => reading.NextAsync(cancellation),
                reading =>
                {
                    reading.Dispose();
                    return Task.FromResult(Done.Instance);
                })
            .SelectMany(entries => entries);

    private sealed class Reading(Stream body, LogStream stream, ResumePoint resume, TailProgress progress, TailSettings settings)
        : IDisposable
    {
        private readonly LogLineReader _reader = new(body, settings.PartialLineBytes);
        private readonly List<KubeletLine> _lines = [];
        private bool _ended;

        public async Task<Option<IReadOnlyList<LogEntry>>> NextAsync(CancellationToken cancellation)
        {
            while (!_ended)
            {
                _lines.Clear();
                try
                {
                    _ended = !await _reader.ReadLinesAsync(_lines, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    // Stopped on purpose (shutdown, handoff): a clean end, not a failure of the stream.
                    return Option<IReadOnlyList<LogEntry>>.None;
                }

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

            return Option<IReadOnlyList<LogEntry>>.None;
        }

        public void Dispose()
        {
            _reader.Dispose();
            body.Dispose();
        }
    }
}
