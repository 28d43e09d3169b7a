using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace VideoDiffusion.Data;

/// <summary>
/// Builds batches on a background thread into a bounded queue. Disposing it stops the thread promptly (the thread
/// finishes the batch it is building, if any) and disposes the batches nobody took.
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private readonly BlockingCollection<VideoBatch> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;
    private bool _disposed;

    public BatchPrefetcher(Func<LoaderPosition, VideoBatch> load, IEnumerable<LoaderPosition> positions, int capacity)
    {
        _queue = new BlockingCollection<VideoBatch>(capacity);
        _thread = new Thread(() => Produce(load, positions)) { IsBackground = true, Name = "VideoDataLoader prefetch" };
        _thread.Start();
    }

    /// <summary>The next batch, or null at the end of the stream.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The prefetcher was disposed.</exception>
    /// <remarks>An exception thrown while building a batch is rethrown here, after the batches built before it.</remarks>
    public VideoBatch? Take(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_queue.TryTake(out var batch, Timeout.Infinite, cancellationToken))
        {
            return batch;
        }
        _failure?.Throw();
        return null;
    }

    private void Produce(Func<LoaderPosition, VideoBatch> load, IEnumerable<LoaderPosition> positions)
    {
        try
        {
            foreach (var position in positions)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                var batch = load(position);
                try
                {
                    _queue.Add(batch, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    batch.Dispose();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _queue.CompleteAdding();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Cancel();
        _thread.Join();
        while (_queue.TryTake(out var left))
        {
            left.Dispose();
        }
        _queue.Dispose();
        _stop.Dispose();
    }
}
