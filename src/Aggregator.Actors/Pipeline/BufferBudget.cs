using System.Threading.Tasks.Sources;

namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The memory budget of log data between reading and Loki's acknowledgement. Tails take their entries' weight
/// before handing them on and wait while the budget is spent; the pipeline gives it back once Loki has settled
/// the batch. So a long Loki outage fills the budget, then stops the reading — the kubelet keeps the log.
/// </summary>
public sealed class BufferBudget(long capacity)
{
    // While tails catch up, the budget is spent and nearly every read waits: thousands of waits a second. A waiter
    // that was granted goes back here, so that a wait allocates nothing once the tails have each waited once.
    private const int MostSpareWaiters = 1024;

    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiting = [];
    private readonly Stack<Waiter> _spare = new();
    private long _used;

    /// <summary>The budget, in the weight unit of <see cref="LogEntry.Weight"/> (about bytes in memory).</summary>
    public long Capacity { get; } = capacity;

    /// <summary>The weight taken and not yet given back.</summary>
    public long Used
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    /// <summary>Readers waiting for room.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="weight"/>, waiting in turn until it fits. A weight larger than the whole budget is
    /// granted when nothing else is held, so that one huge line cannot block forever. Await the result once.
    /// </summary>
    public ValueTask AcquireAsync(long weight, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        lock (_gate)
        {
            if (_waiting.Count == 0 && Fits(weight))
            {
                _used += weight;
                return ValueTask.CompletedTask;
            }

            var waiter = _spare.TryPop(out var spare) ? spare : new Waiter(this);
            return waiter.Enqueue(weight, cancellationToken);
        }
    }

    /// <summary>Gives back what a settled batch took.</summary>
    public void Release(long weight)
    {
        lock (_gate)
        {
            _used = Math.Max(0, _used - weight);
            GrantWaiting();
        }
    }

    private bool Fits(long weight) => _used == 0 || _used + weight <= Capacity;

    private void GrantWaiting()
    {
        while (_waiting.First is { } first && Fits(first.Value.Weight))
        {
            _waiting.RemoveFirst();
            _used += first.Value.Weight;
            first.Value.Grant();
        }
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Granted before the cancellation got here: the weight is taken, and the wait ends as granted.
            if (waiter.Node.List is null)
            {
                return;
            }

            _waiting.Remove(waiter.Node);
            waiter.Cancelled(cancellationToken);
            // A waiter ahead of others may have been all that held them back.
            GrantWaiting();
        }
    }

    private void Reuse(Waiter waiter)
    {
        lock (_gate)
        {
            if (_spare.Count < MostSpareWaiters)
            {
                _spare.Push(waiter);
            }
        }
    }

    /// <summary>One wait for room, completed under the budget's gate by the grant or by the cancellation, whichever comes first.</summary>
    private sealed class Waiter : IValueTaskSource
    {
        private readonly BufferBudget _budget;
        private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _cancellation;
        private bool _reusable;

        public Waiter(BufferBudget budget)
        {
            _budget = budget;
            Node = new LinkedListNode<Waiter>(this);
        }

        public LinkedListNode<Waiter> Node { get; }

        public long Weight { get; private set; }

        // Under the gate.
        public ValueTask Enqueue(long weight, CancellationToken cancellationToken)
        {
            Weight = weight;
            _reusable = false;
            _budget._waiting.AddLast(Node);
            var version = _completion.Version;
            // Unsafe: the execution context is not needed, and capturing it would allocate. A token cancelled in the
            // meantime runs the callback here, under the gate, which the gate allows (it is reentrant).
            _cancellation = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static (state, token) => { var waiter = (Waiter)state!; waiter._budget.Cancel(waiter, token); }, this)
                : default;
            return new ValueTask(this, version);
        }

        // Under the gate, taken off the queue.
        public void Grant()
        {
            // Reused only when no cancellation callback can still come: one that is running already would find the
            // waiter queued again for another read's wait, and cancel that.
            _reusable = _cancellation == default || _cancellation.Unregister();
            _completion.SetResult(true);
        }

        // Under the gate, taken off the queue.
        public void Cancelled(CancellationToken cancellationToken) =>
            _completion.SetException(new OperationCanceledException(cancellationToken));

        public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _completion.OnCompleted(continuation, state, token, flags);

        public void GetResult(short token)
        {
            _completion.GetResult(token);
            if (_reusable)
            {
                // Cleared: a spare waiter would otherwise keep the last tail's token source alive until it is reused.
                _cancellation = default;
                _completion.Reset();
                _budget.Reuse(this);
            }
        }
    }
}
