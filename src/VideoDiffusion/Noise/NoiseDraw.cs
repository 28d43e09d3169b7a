using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Noise;

/// <summary>Shared plumbing of the noise sources: argument checks and standard-normal draws.</summary>
internal static class NoiseDraw
{
    /// <summary>Validates the common arguments of <see cref="INoiseSource.Sample"/>.</summary>
    public static void Check(long[] shape, Generator generator, ScalarType dtype, bool video)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(generator);
        TorchBackend.EnsureAvailable();
        if (video)
        {
            Shapes.RequireVideoBatchShape(shape, nameof(shape));
        }
        else
        {
            Shapes.RequirePositive(shape, nameof(shape));
        }
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"Expected a floating-point dtype, got {dtype}.", nameof(dtype));
        }
    }

    /// <summary>A standard-normal draw on the generator's device, in float64 for float64 results and float32 otherwise.</summary>
    public static Tensor Randn(long[] shape, Generator generator, ScalarType dtype) =>
        randn(shape, dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32, generator.device, generator: generator);

    /// <summary>Casts and moves a draw to the requested dtype and device.</summary>
    public static Tensor Finish(Tensor draw, ScalarType dtype, Device? device) =>
        draw.to(dtype, device ?? draw.device);
}
