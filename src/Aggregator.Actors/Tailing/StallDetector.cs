namespace Aggregator.Actors.Tailing;

/// <summary>
/// Tells when a follow stream has been quiet for far longer than its usual gap between lines. Kubelets before
/// 1.29 could stop a follow stream at log rotation without ending it (kubernetes#59902); reopening with
/// sinceTime cures that, and costs nothing when the container was merely quiet. Each reopen that brings
/// nothing doubles the wait before the next, so quiet containers are not asked again and again. Each tail's waits are
/// longer by a share of its own (<c>spread</c>, 1 to 1 + <see cref="MostSpread"/>): tails that opened together,
/// as every tail of a namespace does when the aggregator starts, would otherwise all find their quiet streams
/// stalled at the same moment and reopen them in one burst of requests to the API server.
/// </summary>
public sealed class StallDetector(TimeSpan minimumQuiet, TimeSpan maximumQuiet, double spread = 1)
{
    /// <summary>The largest share by which a tail's waits are lengthened.</summary>
    public const double MostSpread = 0.25;

    private double? _usualGapMs;
    private long _lastActivityMs = -1;
    private int _fruitlessReopens;

    /// <summary>
    /// A tail's spread, from 1 to 1 + <see cref="MostSpread"/>, taken from <paramref name="hash"/>; a stream key's
    /// hash (its strings' hashes, randomised per process) spreads a namespace's tails evenly.
    /// </summary>
    public static double SpreadOf(int hash) => 1 + (MostSpread * ((uint)hash % 1000) / 1000);

    /// <summary>The usual gap between reads, once there were two.</summary>
    public TimeSpan? UsualGap => _usualGapMs is { } gap ? TimeSpan.FromMilliseconds(gap) : null;

    /// <summary>How long the stream may be quiet before it counts as stalled.</summary>
    public TimeSpan Threshold
    {
        get
        {
            var threeGaps = _usualGapMs is { } gap ? TimeSpan.FromMilliseconds(gap * 3) : minimumQuiet;
            var threshold = (threeGaps < minimumQuiet ? minimumQuiet : threeGaps) * spread;
            for (var i = 0; i < _fruitlessReopens && threshold < maximumQuiet; i++)
            {
                threshold *= 2;
            }

            return threshold > maximumQuiet ? maximumQuiet : threshold;
        }
    }

    /// <summary>A stream was opened (quiet time counts from here if no line came yet).</summary>
    public void Opened(long nowMs)
    {
        if (_lastActivityMs < 0)
        {
            _lastActivityMs = nowMs;
        }
    }

    /// <summary>Lines arrived.</summary>
    public void LinesArrived(long nowMs)
    {
        if (_lastActivityMs >= 0 && _fruitlessReopens == 0)
        {
            var gap = nowMs - _lastActivityMs;
            _usualGapMs = _usualGapMs is { } usual ? (usual * 0.8) + (gap * 0.2) : gap;
        }

        _lastActivityMs = nowMs;
        _fruitlessReopens = 0;
    }

    /// <summary>True when the stream has been quiet for longer than <see cref="Threshold"/>.</summary>
    public bool IsStalled(long nowMs) => _lastActivityMs >= 0 && nowMs - _lastActivityMs > Threshold.TotalMilliseconds;

    /// <summary>The stream is being reopened because it was quiet; the quiet time starts again.</summary>
    public void Reopening(long nowMs)
    {
        _fruitlessReopens++;
        _lastActivityMs = nowMs;
    }
}
