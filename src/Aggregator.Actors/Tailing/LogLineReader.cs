using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Aggregator.Actors.Pipeline;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// Reads the body of a <c>pods/log?timestamps=true</c> response into whole lines. A trailing fragment without
/// its newline (a cut connection) is not returned unless asked for (<see cref="TakeUnfinishedLine"/>): the resumed
/// request sends that line again, whole. A line is held up to a bound only (<see cref="Capped"/>).
/// </summary>
public sealed class LogLineReader : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _body;
    private readonly int _partialLineBytes;
    private readonly ReadPacer.Pace? _pace;
    private byte[] _buffer = [];
    private int _bufferBytes;
    private int _start;
    private int _end;
    private long _lastTimestamp;
    private TimestampMinute _minute;
    private int _busyReads;
    private readonly List<StraddlingRecord> _straddling = [];
    private readonly int _lineCap;
    private long _discarded;
    private readonly List<CappedLine> _capped = [];

    /// <summary>The most bytes a line may take in the read buffer when the caller gives no limit.</summary>
    public const int MaxLineCap = 64 * 1024 * 1024;

    // Room for the timestamp prefix of each partial record (31 bytes in UTC, 36 with an offset), generously.
    private const int PrefixAllowance = 64;

    // Read room after a capped line's kept bytes, where the rest of it passes through on its way out.
    private const int DiscardRoom = 16 * 1024;

    // Scratch for one synchronous pass over the buffer; per thread, so that a tail does not keep one sized by its busiest read.
    [ThreadStatic]
    private static List<FoundLine>? t_found;

    private const int BusyBufferBytes = 64 * 1024;

    /// <param name="body">The response body.</param>
    /// <param name="partialLineBytes">The runtime's partial-record size (16 KiB), at which long lines carry embedded timestamps.</param>
    /// <param name="initialBufferBytes">
    /// The read buffer's starting size. It grows for longer lines, and up to 64 KiB while reads keep taking half the
    /// room they are offered or more: a quiet container's tail keeps a small buffer, a busy one reads in large chunks.
    /// </param>
    /// <param name="pace">
    /// When given, a quiet tail waits for the intake's tick before it reads again (<see cref="ReadPacer"/>); the reader
    /// disposes it.
    /// </param>
    /// <param name="maxLineBytes">
    /// The longest line that is shipped whole (<see cref="LineLimit"/> cuts or drops longer ones): of a longer line,
    /// only that much text and a little more is kept (<see cref="Capped"/>).
    /// </param>
    public LogLineReader(
        Stream body, int partialLineBytes = 16 * 1024, int initialBufferBytes = 8 * 1024, ReadPacer.Pace? pace = null, int maxLineBytes = MaxLineCap)
    {
        _body = body;
        _pace = pace;
        _partialLineBytes = partialLineBytes;
        // Enough for the limit's text with every record's prefix, so that a capped line still reads as over the limit.
        var limit = Math.Min(maxLineBytes, MaxLineCap);
        _lineCap = limit + ((limit / partialLineBytes) + 2) * PrefixAllowance;
        _bufferBytes = initialBufferBytes;
        _lastTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    }

    /// <summary>
    /// The pooled block that the lines of the last call were copied into, or null when they are in an ordinary array
    /// (a small read). The caller owns it from then on: it hands it to the chunks or gives it back.
    /// </summary>
    public LineBlock? Block { get; private set; }

    /// <summary>
    /// The partial records of the last call's long lines that carry a timestamp in a later second than their line's
    /// own (rare: a line's 16 KiB records are written within microseconds). The kubelet applies <c>sinceTime</c> to
    /// each record, so a resumed request can begin with such a record, which would read as a line of its own.
    /// </summary>
    public IReadOnlyList<StraddlingRecord> Straddling => _straddling;

    /// <summary>
    /// The lines of the last call that were longer than the reader holds: their first bytes were kept and the rest
    /// was read past (a progress bar that rewrites itself with carriage returns and never a newline, a huge dump).
    /// Held whole, such a line would grow the read buffer without bound, outside the memory budget.
    /// </summary>
    public IReadOnlyList<CappedLine> Capped => _capped;

    /// <summary>The unfinished last line's bytes as read, timestamp prefixes included (valid until the next call).</summary>
    public ReadOnlySpan<byte> Unfinished => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The size of the read buffer held right now (for tests).</summary>
    internal int HeldBufferBytes => _buffer.Length;

    /// <summary>Bytes of an unfinished last line that were left unread when the body ended.</summary>
    public int UnfinishedBytes => _end - _start;

    /// <summary>
    /// Reads at least one more whole line unless the body ends, appending every whole line now buffered.
    /// Returns false once the body has ended (lines may still have been appended by that call).
    /// </summary>
    // Pooled: every read that waits for the network would otherwise allocate its state machine afresh.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadLinesAsync(List<KubeletLine> into, CancellationToken cancellationToken)
    {
        ForgetLastCall();
        while (true)
        {
            if (TakeBufferedLines(into) > 0)
            {
                return true;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end > _lineCap)
            {
                // No newline in the buffer: all of it is one line, longer than any that is shipped whole.
                _discarded += _end - _lineCap;
                _end = _lineCap;
            }

            if (_end == 0 && _busyReads == 0)
            {
                // Nothing buffered: wait for the next bytes without holding a buffer, so that a quiet container's
                // tail holds none (a body that cannot wait this way returns at once, and the read below waits).
                // After a read that took half its room or more, more is likely on its way and the read goes at once:
                // the wait costs a syscall a chunk of its own.
                ReturnBuffer();
                if (_pace is { IsQuiet: true })
                {
                    // What comes meanwhile waits in the connection; the tick reads it, just before it sends its batch.
                    await _pace.WaitForTickAsync(cancellationToken).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                await _body.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                if (_busyReads >= 2 && _bufferBytes < BusyBufferBytes)
                {
                    _busyReads = 0;
                    _bufferBytes *= 2;
                }

                _buffer = ArrayPool<byte>.Shared.Rent(_bufferBytes);
            }
            else if (_buffer.Length < _bufferBytes || _end == _buffer.Length || (_busyReads >= 2 && _buffer.Length < BusyBufferBytes))
            {
                // Smaller than its size only after Compact: back to that size, which says how busy the tail is.
                if (_buffer.Length >= _bufferBytes)
                {
                    _busyReads = 0;
                    // A line at its cap (see above) needs only room to read its rest past.
                    _bufferBytes = (int)Math.Min(_buffer.Length * 2L, _lineCap + DiscardRoom);
                }

                // The buffer is empty after a Compact that kept nothing, which a busy tail reaches without the wait above.
                MoveToBufferOf(_bufferBytes);
            }

            var offered = _buffer.Length - _end;
            var read = await _body.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            // Half, not all: the API server's chunks (at most 32 KiB, the first few KiB of each through the HTTP
            // connection's own buffer) cut most reads short of a 16 KiB buffer, which then took two or three reads
            // and as many syscalls a chunk; in 32 KiB the rest of a chunk is one read.
            _busyReads = 2 * read >= offered ? _busyReads + 1 : 0;
            _pace?.Record(read);
            _end += read;
        }
    }

    /// <summary>
    /// Takes the unfinished last line as a whole one, for a body known to end there: an exited instance's last
    /// output without its newline, which the runtime writes as a partial record and the kubelet sends as it is.
    /// </summary>
    /// <returns>True when there was such a line; it is appended to <paramref name="into"/> as the lines of a read are.</returns>
    public bool TakeUnfinishedLine(List<KubeletLine> into)
    {
        ForgetLastCall();
        if (_end == _start)
        {
            return false;
        }

        if (_end == _buffer.Length)
        {
            MoveToBufferOf(_end + 1);
        }

        _buffer[_end++] = (byte)'\n';
        return TakeBufferedLines(into) > 0;
    }

    /// <summary>
    /// Gives the read buffer back while the caller waits for something else (room in the memory budget), keeping
    /// only the unfinished last line's bytes; the next read takes a buffer of the former size again.
    /// </summary>
    /// <remarks>
    /// A tail held back in a catch-up would otherwise keep a buffer of up to 64 KiB outside the budget, beside the
    /// lines it waits to hand on: a thousand tails, tens of MiB.
    /// </remarks>
    public void Compact()
    {
        var unfinished = _end - _start;
        if (_buffer.Length == 0 || unfinished * 2 > _buffer.Length)
        {
            return;
        }

        var kept = unfinished == 0 ? [] : ArrayPool<byte>.Shared.Rent(unfinished);
        Buffer.BlockCopy(_buffer, _start, kept, 0, unfinished);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = kept;
        _start = 0;
        _end = unfinished;
    }

    private int TakeBufferedLines(List<KubeletLine> into)
    {
        var found = t_found ??= [];
        found.Clear();
        var textBytes = 0;
        var from = _start;
        while (_start < _end)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            var line = Find(_start, newline);
            if (_discarded > 0)
            {
                // The line whose rest was read past is the first to end. Its text was those bytes but the timestamp
                // of each 16 KiB record among them (31 bytes in UTC).
                _capped.Add(new CappedLine(into.Count + found.Count, _discarded - (_discarded / (_partialLineBytes + 31) * 31)));
                _discarded = 0;
            }

            found.Add(line);
            textBytes += line.Length;
            _start += newline + 1;
        }

        if (found.Count > 0)
        {
            // The lines' text leaves the read buffer in one block, not a string per line (these bytes are what the
            // push body carries), so the read buffer can take the next bytes while the lines wait for Loki.
            (var block, Block) = LineBlock.Take(textBytes);
            // One check over the lines as read, timestamps and newlines included: a newline is never part of a UTF-8
            // sequence, so when they are valid together each line is, and so is one rejoined from valid parts.
            var allValid = System.Text.Unicode.Utf8.IsValid(_buffer.AsSpan(from, _start - from));
            var at = 0;
            foreach (var line in found)
            {
                var written = CopyText(_buffer.AsSpan(line.Start, line.Length), block.AsSpan(at), rejoin: line.HadTimestamp, line.TimestampNanos, into.Count);
                var text = block.AsMemory(at, written);
                into.Add(new KubeletLine(line.TimestampNanos, allValid ? text : Valid(text), line.HadTimestamp));
                at += written;
            }
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }

        return found.Count;
    }

    /// <summary>Where a line's text lies in the read buffer, after its timestamp prefix.</summary>
    private FoundLine Find(int start, int length)
    {
        var raw = _buffer.AsSpan(start, length);
        if (raw.Length > 0 && raw[^1] == '\r')
        {
            length--;
            raw = raw[..^1];
        }

        var consumed = KubeletTimestamp.TryParse(raw, ref _minute, out var timestamp);
        if (consumed == 0 || (consumed < raw.Length && raw[consumed] != ' '))
        {
            // The endpoint prefixes every line; a line without a prefix keeps its text and borrows the previous time.
            return new FoundLine(_lastTimestamp, start, length, HadTimestamp: false);
        }

        _lastTimestamp = timestamp;
        var prefix = Math.Min(consumed + 1, length);
        return new FoundLine(timestamp, start + prefix, length - prefix, HadTimestamp: true);
    }

    /// <summary>
    /// Copies a line's text; with <paramref name="rejoin"/>, cuts out the timestamp prefix that the kubelet puts on
    /// every 16 KiB partial record of a long line (kubernetes#77603), restoring the line the workload wrote.
    /// </summary>
    private int CopyText(ReadOnlySpan<byte> content, Span<byte> into, bool rejoin, long lineTimestamp, int lineIndex)
    {
        var written = 0;
        while (rejoin && content.Length > _partialLineBytes && HasEmbeddedPrefix(content[_partialLineBytes..]))
        {
            content[.._partialLineBytes].CopyTo(into[written..]);
            written += _partialLineBytes;
            var rest = content[_partialLineBytes..];
            var prefix = KubeletTimestamp.TryParse(rest, out var recordTimestamp);
            if (KubeletTimestamp.SecondOf(recordTimestamp) != KubeletTimestamp.SecondOf(lineTimestamp))
            {
                _straddling.Add(new StraddlingRecord(lineIndex, recordTimestamp));
            }

            content = rest[(prefix + 1)..];
        }

        content.CopyTo(into[written..]);
        return written + content.Length;
    }

    /// <summary>The text as it is when it is valid UTF-8 (nearly always), otherwise with U+FFFD for each bad sequence, as Loki needs.</summary>
    private static ReadOnlyMemory<byte> Valid(ReadOnlyMemory<byte> text) =>
        System.Text.Unicode.Utf8.IsValid(text.Span) ? text : Utf8.GetBytes(Utf8.GetString(text.Span));

    private static bool HasEmbeddedPrefix(ReadOnlySpan<byte> text)
    {
        var consumed = KubeletTimestamp.TryParse(text, out _);
        return consumed > 0 && consumed < text.Length && text[consumed] == ' ';
    }

    public void Dispose()
    {
        ReturnBuffer();
        _pace?.Dispose();
    }

    /// <summary>What a call tells about the lines it appended (their block, straddling records, capped lines) is of that call only.</summary>
    private void ForgetLastCall()
    {
        Block = null;
        _straddling.Clear();
        _capped.Clear();
    }

    /// <summary>Moves the buffered bytes to a pooled buffer of at least <paramref name="size"/> bytes, giving the old one back.</summary>
    private void MoveToBufferOf(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
        ReturnBuffer();
        _buffer = larger;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private readonly record struct FoundLine(long TimestampNanos, int Start, int Length, bool HadTimestamp);
}

/// <summary>A line longer than the reader holds: its index in the list a read appended to, and the bytes of its text read past after its kept ones.</summary>
public readonly record struct CappedLine(int Line, long DiscardedBytes);

/// <summary>A partial record inside a rejoined line: the line's index in the list a read appended to, and the record's own timestamp.</summary>
public readonly record struct StraddlingRecord(int Line, long TimestampNanos);
