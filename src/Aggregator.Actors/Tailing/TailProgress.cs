namespace Aggregator.Actors.Tailing;

/// <summary>What one tail has read so far: written by its reading stream, read by inspection.</summary>
public sealed class TailProgress
{
    private long _lines;
    private long _bytes;
    private long _lastTimestamp;
    private long _lastReadAtMs = -1;

    /// <summary>When the last line was read (Environment.TickCount64), or -1.</summary>
    public long LastReadAtMs => Interlocked.Read(ref _lastReadAtMs);

    /// <summary>Lines read and handed to the pipeline.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>UTF-8 bytes of those lines.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Timestamp of the last line read, or 0.</summary>
    public long LastTimestampNanos => Interlocked.Read(ref _lastTimestamp);

    /// <summary>Responses that ended in the middle of a line (that line is read again, whole, on resume).</summary>
    public int CutLines { get; set; }

    /// <summary>The unfinished line the last response ended with, as read; null when it ended after a whole line.</summary>
    internal byte[]? LastFragment { get; set; }

    /// <summary>Whether <see cref="LastFragment"/> was taken as an exited instance's last line already.</summary>
    internal bool FragmentTaken { get; set; }

    /// <summary>
    /// Drains that ended on a fragment no response had ended on before: the instance's last output may be coming
    /// without its newline (the runtime writes it when the output ends), so such a drain is read once more.
    /// </summary>
    internal int NewFragments { get; set; }

    internal void Read(int lines, long length, long timestampNanos)
    {
        Interlocked.Add(ref _lines, lines);
        Interlocked.Add(ref _bytes, length);
        Interlocked.Exchange(ref _lastTimestamp, timestampNanos);
        Interlocked.Exchange(ref _lastReadAtMs, Environment.TickCount64);
    }
}
