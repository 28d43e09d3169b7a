using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// A random transformation of one clip, applied by <see cref="VideoDataLoader"/> on its loading thread. The random
/// source is derived from the loader's seed, the epoch and the position in the epoch, so a batch is the same every time
/// it is produced (which makes resumed training identical). Implementations are immutable and thread-safe.
/// </summary>
public interface IVideoAugmentation
{
    /// <summary>Transforms <paramref name="clip"/> <c>[C, T, H, W]</c>; returns a fresh tensor and leaves the input alone.</summary>
    /// <param name="clip">The clip, owned by the caller.</param>
    /// <param name="random">The random source for this clip.</param>
    /// <exception cref="ArgumentException">The clip is not <c>[C, T, H, W]</c> or too small for the transformation.</exception>
    Tensor Apply(Tensor clip, Random random);

    /// <summary>A short description with every parameter.</summary>
    string Description { get; }
}
