namespace VideoDiffusion.Data;

/// <summary>A position in a loader's stream of batches: batch <see cref="Batch"/> of epoch <see cref="Epoch"/>.</summary>
/// <param name="Epoch">The epoch, &gt;= 0.</param>
/// <param name="Batch">The batch within the epoch, in <c>[0, BatchesPerEpoch)</c>.</param>
public readonly record struct LoaderPosition(int Epoch, int Batch)
{
    /// <summary>The position after this one in a loader with <paramref name="batchesPerEpoch"/> batches per epoch.</summary>
    public LoaderPosition Next(int batchesPerEpoch) =>
        Batch + 1 >= batchesPerEpoch ? new LoaderPosition(Epoch + 1, 0) : this with { Batch = Batch + 1 };
}
