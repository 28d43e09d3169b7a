namespace VideoDiffusion.Internal;

/// <summary>
/// Guards native state against a dispose that races its users: counts the calls that use the state (a pipeline's
/// generations and saves, shared with the pipelines derived from it; a trainer's runs and checkpoints), and lets the
/// owner's Dispose cancel them and free the state only once none runs. Without it a dispose racing a generation or a
/// training run freed tensors under libtorch (segmentation faults, "Tensor invalid").
/// </summary>
internal sealed class UseGate
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly Dictionary<int, int> _usesByThread = [];
    private int _running;
    private bool _released;
    private Action? _deferredFree;

    /// <summary>Cancelled when the owner starts disposing the state.</summary>
    public CancellationToken Disposing => _disposing.Token;

    /// <summary>Whether the state has been released (its owner disposed).</summary>
    public bool IsReleased
    {
        get
        {
            lock (_gate)
            {
                return _released;
            }
        }
    }

    /// <summary>Marks one use of the state; dispose the result when done.</summary>
    /// <exception cref="ObjectDisposedException">The state was released.</exception>
    public Use Enter(object owner)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_released, owner);
            _running++;
            var thread = Environment.CurrentManagedThreadId;
            _usesByThread[thread] = _usesByThread.GetValueOrDefault(thread) + 1;
            return new Use(this, thread);
        }
    }

    /// <summary>
    /// Releases the state: running uses are cancelled (they stop at their next sampling step), later
    /// <see cref="Enter"/> calls throw, and <paramref name="free"/> runs once no use is left. It runs before this method
    /// returns, except when called from inside a use on the same thread (a progress callback): then the last use to
    /// end runs it. Returns false, without running <paramref name="free"/>, when the gate was already released.
    /// </summary>
    public bool Release(Action free)
    {
        lock (_gate)
        {
            if (_released)
            {
                return false;
            }
            _released = true;
        }
        _disposing.Cancel();
        lock (_gate)
        {
            if (_usesByThread.ContainsKey(Environment.CurrentManagedThreadId))
            {
                _deferredFree = free; // waiting here would wait for ourselves
                return true;
            }
            while (_running > 0)
            {
                Monitor.Wait(_gate);
            }
        }
        free();
        return true;
    }

    private void Exit(int thread)
    {
        Action? free = null;
        lock (_gate)
        {
            _running--;
            if (--_usesByThread[thread] == 0)
            {
                _usesByThread.Remove(thread);
            }
            if (_running == 0 && _deferredFree is not null)
            {
                (free, _deferredFree) = (_deferredFree, null);
            }
            Monitor.PulseAll(_gate);
        }
        free?.Invoke();
    }

    /// <summary>One running use of the state.</summary>
    public readonly struct Use(UseGate lease, int thread) : IDisposable
    {
        /// <summary>Ends the use.</summary>
        public void Dispose() => lease.Exit(thread);
    }
}
