using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// Turns clips into feature vectors for <see cref="FrechetDistance"/>. With an I3D network trained on Kinetics-400
/// (logits or pool features) the Frechet distance is the FVD of Unterthiner et al. (2018); with an Inception network
/// on single frames it is FID. The library ships no pretrained weights: implement this interface around the network
/// you trust (e.g. a TorchScript module), and report which one you used, since the numbers are only comparable for the
/// same extractor and preprocessing.
/// </summary>
public interface IVideoFeatureExtractor
{
    /// <summary>Length D of each feature vector.</summary>
    int FeatureSize { get; }

    /// <summary>Features of a model-space batch <c>[B, C, T, H, W]</c> in [-1, 1]: a tensor <c>[B, D]</c> (any floating dtype, any device).</summary>
    Tensor Extract(Tensor videos);
}
