using static TorchSharp.torch;

namespace VideoDiffusion.Noise;

/// <summary>Independent standard-normal noise for every element: the noise the diffusion formulas assume.</summary>
public sealed class GaussianNoise : INoiseSource
{
    /// <summary>The shared instance (the class has no state).</summary>
    public static GaussianNoise Instance { get; } = new();

    /// <inheritdoc />
    public string Description => "Gaussian";

    /// <inheritdoc />
    public Tensor Sample(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        NoiseDraw.Check(shape, generator, dtype, video: false);
        using var scope = NewDisposeScope();
        return NoiseDraw.Finish(NoiseDraw.Randn(shape, generator, dtype), dtype, device).MoveToOuterDisposeScope();
    }
}
