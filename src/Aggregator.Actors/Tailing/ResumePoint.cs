namespace Aggregator.Actors.Tailing;

/// <summary>
/// Where a container's log was read up to, and the rule that recognises lines already read when a request
/// resumes. <c>sinceTime</c> reaches the kubelet in whole seconds and is inclusive, and stdout and stderr
/// timestamps are not monotonic in file order; so a resumed request starts one second before the newest
/// line read, and every line it returns whose timestamp was already read there is skipped once.
/// </summary>
public sealed class ResumePoint
{
    // Timestamps of the lines read, in read order, from about the start of the resume window on; appending is all
    // the per-line work. Equal timestamps are each skipped once.
    private const int CompactAfter = 32;

    private readonly List<long> _window = [];
    private int _windowStart;
    private Dictionary<long, int>? _toSkip;
    private long _newestSecond = long.MinValue;

    // After a position learnt from Loki, the request starts a second before the window, and what it sends from that
    // second is passed over until the first line inside the window (see After).
    private long _passOverBefore = long.MinValue;

    /// <summary>The timestamp of the newest line read, or null before the first.</summary>
    public long? NewestTimestamp { get; private set; }

    /// <summary>Lines read (not skipped) since the tail started.</summary>
    public long LinesRead { get; private set; }

    /// <summary>Lines a resumed request sent again and that were recognised and skipped.</summary>
    public long LinesSkipped { get; private set; }

    /// <summary>
    /// Starts from a position learnt elsewhere (the newest entry Loki holds). There is no memory of single lines
    /// then, so the lines of the resume window are sent again; Loki drops those it already holds, since they
    /// carry the same timestamps.
    /// </summary>
    /// <remarks>
    /// The kubelet filters a long line's 16 KiB records one by one, so a request from the window's first second can
    /// begin with the later records of a line begun before it, which read as a line of their own that Loki does not
    /// hold. Without a memory of that line, the request starts a second earlier, where such a line's later records
    /// join the line they belong to or read as a line stamped before the window, and what it sends from before the
    /// window is passed over until its first line inside the window. Only a line with no record at all in that
    /// extra second (a writer pausing over a second inside one line) still shows its end as a line.
    /// </remarks>
    public static ResumePoint After(long timestampNanos)
    {
        var second = KubeletTimestamp.SecondOf(timestampNanos);
        return new() { NewestTimestamp = timestampNanos, _newestSecond = second, _passOverBefore = (second - 1) * 1_000_000_000 };
    }

    /// <summary>The whole second to pass as <c>sinceTime</c>, or null to read the log from its start.</summary>
    public long? SinceSecond => NewestTimestamp is null ? null : _newestSecond - (_passOverBefore == long.MinValue ? 1 : 2);

    /// <summary>
    /// Whether a line that <see cref="Admit"/> refused was passed over as begun before the window of a position learnt
    /// from Loki: its records in later seconds are then read lines too (<see cref="AlsoRead"/>).
    /// </summary>
    public bool BeganBeforeWindow(long timestampNanos) => timestampNanos < _passOverBefore;

    /// <summary>Called when a request is reopened: the lines it sends first that were read already will be skipped.</summary>
    public void BeginResume()
    {
        var oldestKept = (_newestSecond - 1) * 1_000_000_000;
        Dictionary<long, int>? toSkip = null;
        for (var i = _windowStart; i < _window.Count; i++)
        {
            var timestamp = _window[i];
            if (timestamp >= oldestKept)
            {
                toSkip ??= [];
                toSkip[timestamp] = toSkip.GetValueOrDefault(timestamp) + 1;
            }
        }

        _toSkip = toSkip;
    }

    /// <summary>Decides for one line, in the order the endpoint sent them, whether it is new; records it if so.</summary>
    public bool Admit(long timestampNanos)
    {
        if (_passOverBefore != long.MinValue)
        {
            if (timestampNanos < _passOverBefore)
            {
                LinesSkipped++;
                return false;
            }

            _passOverBefore = long.MinValue;
        }

        if (_toSkip is not null && _toSkip.TryGetValue(timestampNanos, out var pending))
        {
            if (pending == 1)
            {
                _toSkip.Remove(timestampNanos);
                if (_toSkip.Count == 0)
                {
                    _toSkip = null;
                }
            }
            else
            {
                _toSkip[timestampNanos] = pending - 1;
            }

            LinesSkipped++;
            return false;
        }

        Record(timestampNanos);
        return true;
    }

    /// <summary>
    /// Also counts as read a partial record of a long line just admitted (or passed over,
    /// <see cref="BeganBeforeWindow"/>) whose timestamp is in a later second than the line's
    /// (<see cref="LogLineReader.Straddling"/>): a request resumed from that second begins with the record, which then
    /// reads as a line stamped with it, and is skipped as the rest of a line read already.
    /// </summary>
    public void AlsoRead(long recordTimestampNanos)
    {
        if (KubeletTimestamp.SecondOf(recordTimestampNanos) >= _newestSecond - 1)
        {
            _window.Add(recordTimestampNanos);
        }
    }

    private void Record(long timestampNanos)
    {
        LinesRead++;
        var second = KubeletTimestamp.SecondOf(timestampNanos);
        if (NewestTimestamp is null || timestampNanos > NewestTimestamp)
        {
            NewestTimestamp = timestampNanos;
        }

        if (second > _newestSecond)
        {
            _newestSecond = second;
            Prune();
        }

        if (second >= _newestSecond - 1)
        {
            _window.Add(timestampNanos);
        }
    }

    /// <summary>
    /// Drops the window's oldest timestamps in read order, up to the first that is still inside the window. A few
    /// older ones (out-of-order stderr lines) may stay behind it: BeginResume ignores them.
    /// </summary>
    private void Prune()
    {
        var oldestKept = (_newestSecond - 1) * 1_000_000_000;
        while (_windowStart < _window.Count && _window[_windowStart] < oldestKept)
        {
            _windowStart++;
        }

        // A tail lives as long as its container: the dropped head must be given back while the window is still
        // small, or every tail keeps a list sized by the longest run it ever saw. Moving the kept half costs no
        // more than the appends that filled the dropped one. Between compactions a list may hold several times what
        // one keeps, more so when the rate changes from second to second: only a list sixteen times too large is
        // shrunk (after a burst), so that the list is not reallocated again and again.
        if (_windowStart >= CompactAfter && _windowStart > _window.Count / 2)
        {
            _window.RemoveRange(0, _windowStart);
            _windowStart = 0;
            var kept = Math.Max(_window.Count, CompactAfter);
            if (_window.Capacity > 16 * kept)
            {
                _window.Capacity = 4 * kept;
            }
        }
    }

    /// <summary>Slots the window's list holds, kept and dropped: what the resume point costs in memory.</summary>
    internal int WindowCapacity => _window.Capacity;
}
