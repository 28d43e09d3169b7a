using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// Turns a dataset into batches <c>[B, C, T, H, W]</c>: a seed-determined order per epoch (each index exactly once per
/// epoch), optional augmentation, and prefetching on a background thread. Everything a batch holds is a function of
/// (seed, epoch, batch), so a stream restarted at a <see cref="LoaderPosition"/> continues exactly where an earlier one
/// stopped. Enumerating is thread-safe; each enumeration owns its own prefetch thread, which stops when the enumerator
/// is disposed (e.g. on leaving a <c>foreach</c> early).
/// </summary>
public sealed class VideoDataLoader
{
    private readonly object _orderLock = new();
    private (int Epoch, int[] Order)? _lastOrder;

    /// <summary>Creates the loader.</summary>
    /// <param name="dataset">The clips.</param>
    /// <param name="options">Batching options; null = defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The dataset yields no batch per epoch (empty, or fewer clips than a batch with <see cref="VideoDataLoaderOptions.DropLast"/>).</exception>
    public VideoDataLoader(IVideoDataset dataset, VideoDataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new VideoDataLoaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(options.PrefetchBatches, nameof(options.PrefetchBatches));
        Dataset = dataset;
        Options = options;
        BatchesPerEpoch = options.DropLast ? dataset.Count / options.BatchSize : (dataset.Count + options.BatchSize - 1) / options.BatchSize;
        if (BatchesPerEpoch < 1)
        {
            throw new ArgumentException(
                $"Expected at least one batch per epoch: the dataset has {dataset.Count} clips, the batch size is {options.BatchSize} (DropLast = {options.DropLast}).",
                nameof(dataset));
        }
    }

    /// <summary>The dataset.</summary>
    public IVideoDataset Dataset { get; }

    /// <summary>The options.</summary>
    public VideoDataLoaderOptions Options { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the dataset: a permutation of <c>0 … Count - 1</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public int[] EpochOrder(int epoch) => (int[])Order(epoch).Clone();

    /// <summary>The batches of one epoch.</summary>
    /// <param name="epoch">The epoch, &gt;= 0.</param>
    /// <param name="cancellationToken">Stops the enumeration (with <see cref="OperationCanceledException"/>).</param>
    /// <returns>Batches the caller disposes.</returns>
    public IEnumerable<VideoBatch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Stream(new LoaderPosition(epoch, 0), BatchesPerEpoch, cancellationToken);
    }

    /// <summary>An endless stream of batches starting at <paramref name="start"/>, epoch after epoch.</summary>
    /// <param name="start">Where to start; default = epoch 0, batch 0.</param>
    /// <param name="cancellationToken">Stops the enumeration (with <see cref="OperationCanceledException"/>).</param>
    /// <returns>Batches the caller disposes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is outside the stream.</exception>
    public IEnumerable<VideoBatch> Batches(LoaderPosition start = default, CancellationToken cancellationToken = default)
    {
        if (start.Epoch < 0 || start.Batch < 0 || start.Batch >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Expected epoch >= 0 and batch in [0, {BatchesPerEpoch}).");
        }
        return Stream(start, long.MaxValue, cancellationToken);
    }

    /// <summary>Builds the batch at <paramref name="position"/> on the calling thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside the stream.</exception>
    /// <exception cref="InvalidOperationException">The clips of the batch differ in shape, or a labelled dataset returned no label.</exception>
    public VideoBatch Load(LoaderPosition position)
    {
        if (position.Epoch < 0 || position.Batch < 0 || position.Batch >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Expected epoch >= 0 and batch in [0, {BatchesPerEpoch}).");
        }
        TorchBackend.EnsureAvailable();
        var order = Order(position.Epoch);
        var first = position.Batch * Options.BatchSize;
        var indices = order[first..Math.Min(first + Options.BatchSize, order.Length)];
        using var scope = NewDisposeScope();
        var clips = new Tensor[indices.Length];
        var labels = new long[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            using var example = Dataset.Get(indices[k]);
            clips[k] = Augment(example.Clip, position.Epoch, first + k);
            if (k > 0 && !clips[k].shape.SequenceEqual(clips[0].shape))
            {
                throw new InvalidOperationException(
                    $"Clips of one batch must have the same shape: clip {indices[0]} is {Shapes.Format(clips[0])}, clip {indices[k]} is {Shapes.Format(clips[k])} " +
                    $"(dataset {Dataset.Description}). Crop or resize them with an augmentation.");
            }
            if (Dataset.NumClasses > 0)
            {
                labels[k] = example.Label ?? throw new InvalidOperationException(
                    $"Dataset {Dataset.Description} declares {Dataset.NumClasses} classes but clip {indices[k]} has no label.");
            }
        }
        var videos = stack(clips).DetachFromDisposeScope();
        var labelTensor = Dataset.NumClasses > 0 ? tensor(labels, ScalarType.Int64).DetachFromDisposeScope() : null;
        return new VideoBatch(videos, labelTensor, indices, position);
    }

    private Tensor Augment(Tensor clip, int epoch, int slot)
    {
        if (Options.Augmentation is null)
        {
            return clip.alias();
        }
        var random = SplitMix64.For(Options.Seed, 0xA06, epoch, slot).NextRandom();
        return Options.Augmentation.Apply(clip, random);
    }

    private int[] Order(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        lock (_orderLock)
        {
            if (_lastOrder is { } last && last.Epoch == epoch)
            {
                return last.Order;
            }
            var order = Options.Shuffle
                ? SplitMix64.For(Options.Seed, 0x0DE, epoch).Permutation(Dataset.Count)
                : Enumerable.Range(0, Dataset.Count).ToArray();
            _lastOrder = (epoch, order);
            return order;
        }
    }

    private IEnumerable<LoaderPosition> Positions(LoaderPosition start, long count)
    {
        var position = start;
        for (long i = 0; i < count; i++)
        {
            yield return position;
            position = position.Next(BatchesPerEpoch);
        }
    }

    private IEnumerable<VideoBatch> Stream(LoaderPosition start, long count, CancellationToken cancellationToken)
    {
        if (Options.PrefetchBatches == 0)
        {
            foreach (var position in Positions(start, count))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Load(position);
            }
            yield break;
        }
        using var prefetcher = new BatchPrefetcher(Load, Positions(start, count), Options.PrefetchBatches);
        while (prefetcher.Take(cancellationToken) is { } batch)
        {
            yield return batch;
        }
    }
}
