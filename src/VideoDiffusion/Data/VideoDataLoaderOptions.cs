namespace VideoDiffusion.Data;

/// <summary>How <see cref="VideoDataLoader"/> batches a dataset. Validated when the loader is built.</summary>
public sealed record VideoDataLoaderOptions
{
    /// <summary>Clips per batch, &gt;= 1. <value>The default value is 8.</value></summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Visit the clips of each epoch in a seed-determined random order (otherwise in index order). <value>The default value is true.</value></summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop the last batch of an epoch when it is smaller than <see cref="BatchSize"/>. <value>The default value is true.</value></summary>
    public bool DropLast { get; init; } = true;

    /// <summary>Seed of the epoch orders and of the augmentations. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }

    /// <summary>Batches prepared ahead on a background thread; 0 loads on the caller's thread. <value>The default value is 2.</value></summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Random transformation applied to every clip, or null. <value>The default value is null.</value></summary>
    public IVideoAugmentation? Augmentation { get; init; }
}
