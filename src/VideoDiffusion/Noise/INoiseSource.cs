using static TorchSharp.torch;

namespace VideoDiffusion.Noise;

/// <summary>
/// Where the noise eps of the forward process and of stochastic samplers comes from. Every source returns noise with
/// zero mean and unit variance per element (so schedules keep their meaning), drawn from an explicit generator.
/// </summary>
public interface INoiseSource
{
    /// <summary>Draws noise of <paramref name="shape"/>.</summary>
    /// <param name="shape">The shape; video sources require <c>[B, C, T, H, W]</c>.</param>
    /// <param name="generator">The random generator; the draw is made on its device, then moved to <paramref name="device"/>,
    /// so one seed gives the same noise on every device.</param>
    /// <param name="dtype">Element type of the result (floating point). Draws are made in float64 for float64 and in float32 otherwise.</param>
    /// <param name="device">Device of the result; null = the generator's device.</param>
    /// <exception cref="ArgumentException">The shape is not what the source needs, or dtype is not floating point.</exception>
    Tensor Sample(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null);

    /// <summary>A short description with every parameter (stored in checkpoints and pipeline files).</summary>
    string Description { get; }
}
