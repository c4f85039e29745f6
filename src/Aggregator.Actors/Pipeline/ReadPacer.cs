using System.Threading.Tasks.Sources;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// Lets quiet tails wait for the intake's BATCH_TIMEOUT tick before they read again, and runs their reads at the
/// tick itself, just before it sends the partial batches on.
/// </summary>
/// <remarks>
/// A quiet container's line waits for the tick in its batch anyway. Read the moment it arrives, it costs a wake-up
/// of its own (and over HTTP/2 a thread-pool hop besides); left in the connection until the tick, the lines of every
/// quiet tail are read on the tick's thread, one tail after another, and go in the batch the tick sends, so no line
/// waits longer than before. A tail that read <see cref="QuietBytes"/> in one interval is busy and reads as its bytes
/// come: more than that might not fit in what the connection holds for it unread.
/// </remarks>
public sealed class ReadPacer
{
    /// <summary>
    /// What a tail reads in one interval and still counts as quiet: a quarter of the HTTP/2 stream window that the
    /// client keeps (64 KiB, dynamic sizing off), and far less than a socket's receive buffer, so the bytes that wait
    /// for the tick never hold the API server's writes back.
    /// </summary>
    public const int QuietBytes = 16 * 1024;

    /// <summary>
    /// Most tails whose unread bytes the process holds (HTTP/2 streams) for them to be paced: such a stream keeps
    /// what it has received in a 16 KiB block until it is read, so a thousand paced streams would hold 16 MiB.
    /// Up to this many hold at most 2 MiB; with more, none of them waits for the tick (in pairs at 1,000 containers
    /// over TLS, pacing 128 of them cost 4 MiB and saved little CPU).
    /// </summary>
    public const int MostPacedInProcess = 128;

    private readonly object _gate = new();
    private List<Pace> _waiting = [];
    private long _ticks;
    private int _enrolledInProcess;
    private bool _stopped;

    /// <summary>How many ticks there have been.</summary>
    public long Ticks => Volatile.Read(ref _ticks);

    /// <summary>
    /// A pace for one tail's reads, until it is disposed; <paramref name="holdsUnreadBytes"/> when its connection keeps
    /// unread bytes in the process.
    /// </summary>
    public Pace Enrol(bool holdsUnreadBytes)
    {
        if (holdsUnreadBytes)
        {
            Interlocked.Increment(ref _enrolledInProcess);
        }

        return new Pace(this, holdsUnreadBytes);
    }

    /// <summary>Releases every waiting tail; each reads what has come, on this thread, before this returns.</summary>
    public void Tick() => ReleaseWaiting(stopping: false);

    /// <summary>Releases every waiting tail; from now on no tail waits (the intake has completed).</summary>
    public void Stop() => ReleaseWaiting(stopping: true);

    private void ReleaseWaiting(bool stopping)
    {
        List<Pace> due;
        lock (_gate)
        {
            if (stopping)
            {
                _stopped = true;
            }
            else
            {
                Interlocked.Increment(ref _ticks);
            }

            due = _waiting;
            _waiting = [];
        }

        // Outside the lock: each release runs that tail's read, which may wait again.
        foreach (var pace in due)
        {
            pace.Release();
        }
    }

    private bool TryEnlist(Pace pace)
    {
        lock (_gate)
        {
            if (_stopped || (pace.HoldsUnreadBytes && Volatile.Read(ref _enrolledInProcess) > MostPacedInProcess))
            {
                return false;
            }

            _waiting.Add(pace);
            return true;
        }
    }

    private void Leave() => Interlocked.Decrement(ref _enrolledInProcess);

    /// <summary>
    /// One tail's reads against the ticks: how much it read in the current and the last interval, and its wait for
    /// the next tick. Used by one reader at a time, as its reads are.
    /// </summary>
    public sealed class Pace : IValueTaskSource, IDisposable
    {
        private readonly ReadPacer _pacer;
        // Not asynchronous: the tick that releases a tail runs its read, so that the tick's batch carries its lines.
        private ManualResetValueTaskSourceCore<bool> _tick;
        private CancellationTokenRegistration _cancellation;
        private int _released = 1;
        private long _interval;
        private long _bytesThisInterval;
        // The interval a tail starts in is partial: it counts as busy until it has seen a whole one.
        private long _bytesLastInterval = long.MaxValue;
        private bool _partial = true;
        private int _disposed;

        internal Pace(ReadPacer pacer, bool holdsUnreadBytes)
        {
            _pacer = pacer;
            HoldsUnreadBytes = holdsUnreadBytes;
            _interval = pacer.Ticks;
        }

        /// <summary>Whether the connection keeps the tail's unread bytes in the process.</summary>
        public bool HoldsUnreadBytes { get; }

        /// <summary>Whether the tail read less than <see cref="QuietBytes"/> in the last whole interval and in this one so far.</summary>
        public bool IsQuiet
        {
            get
            {
                Roll();
                return Math.Max(_bytesLastInterval, _bytesThisInterval) < QuietBytes;
            }
        }

        /// <summary>Counts a read.</summary>
        public void Record(int bytes)
        {
            Roll();
            _bytesThisInterval += bytes;
        }

        /// <summary>
        /// Completes at the next tick, on the tick's thread, or when <paramref name="cancellationToken"/> is cancelled;
        /// at once when the pacer has stopped, or when the tail's unread bytes are held in the process and more than
        /// <see cref="MostPacedInProcess"/> such tails are enrolled.
        /// </summary>
        public ValueTask WaitForTickAsync(CancellationToken cancellationToken)
        {
            _tick.Reset();
            Volatile.Write(ref _released, 0);
            if (!_pacer.TryEnlist(this))
            {
                Volatile.Write(ref _released, 1);
                return ValueTask.CompletedTask;
            }

            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static pace => ((Pace)pace!).Release(), this);
            }

            return new ValueTask(this, _tick.Version);
        }

        internal void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _tick.SetResult(true);
            }
        }

        /// <summary>Leaves the pacer's count of tails (the tail's request has ended).</summary>
        public void Dispose()
        {
            if (HoldsUnreadBytes && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _pacer.Leave();
            }
        }

        void IValueTaskSource.GetResult(short token)
        {
            _cancellation.Unregister();
            _cancellation = default;
            _tick.GetResult(token);
        }

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _tick.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _tick.OnCompleted(continuation, state, token, flags);

        private void Roll()
        {
            var ticks = _pacer.Ticks;
            if (ticks == _interval)
            {
                return;
            }

            // A tick or more since the last read: the interval just ended, or an interval without a byte.
            _bytesLastInterval = ticks > _interval + 1 ? 0 : _partial ? long.MaxValue : _bytesThisInterval;
            _bytesThisInterval = 0;
            _interval = ticks;
            _partial = false;
        }
    }
}
