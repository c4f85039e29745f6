namespace Aggregator.Actors.Pipeline;

/// <summary>
/// The memory budget of log data between reading and Loki's acknowledgement. Tails take their entries' weight
/// before handing them on and wait while the budget is spent; the pipeline gives it back once Loki has settled
/// the batch. So a long Loki outage fills the budget, then stops the reading — the kubelet keeps the log.
/// </summary>
public sealed class BufferBudget(long capacity)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Weight, TaskCompletionSource Granted)> _waiting = [];
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
    /// granted when nothing else is held, so that one huge line cannot block forever.
    /// </summary>
    public Task AcquireAsync(long weight, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        lock (_gate)
        {
            if (_waiting.Count == 0 && Fits(weight))
            {
                _used += weight;
                return Task.CompletedTask;
            }

            return Wait(weight, cancellationToken);
        }
    }

    // Called under the gate. Apart from AcquireAsync, so that the closure it needs is not allocated on every grant
    // that does not wait.
    private Task Wait(long weight, CancellationToken cancellationToken)
    {
        var granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = _waiting.AddLast((weight, granted));
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    if (node.List is null)
                    {
                        return;
                    }

                    _waiting.Remove(node);
                    GrantWaiting();
                }

                granted.TrySetCanceled(cancellationToken);
            });
            granted.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return granted.Task;
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
            first.Value.Granted.TrySetResult();
        }
    }
}
