using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>Conveniences over <see cref="ISampler"/>.</summary>
public static class SamplerExtensions
{
    /// <summary>
    /// Samples from pure noise: draws <c>x_T = sigma_0 z</c> (k-diffusion's <c>sigma_max * randn</c> in VP coordinates;
    /// exactly <c>q(x_T)</c> at zero SNR) from the context's generators — one per clip keeps each clip independent of
    /// the batch — and runs <see cref="ISampler.Sample"/>.
    /// </summary>
    /// <param name="sampler">The sampler.</param>
    /// <param name="denoiser">The denoiser.</param>
    /// <param name="shape">Output shape <c>[B, C, T, H, W]</c>.</param>
    /// <param name="plan">The plan.</param>
    /// <param name="context">Generators (required), callback and cancellation.</param>
    /// <param name="dtype">Element type. <value>The default value is float32.</value></param>
    /// <param name="device">Device; null = the generators' device.</param>
    /// <returns>A fresh tensor at the plan's last level.</returns>
    /// <exception cref="ArgumentException">shape is not a video shape; the context has no suitable generators.</exception>
    public static Tensor Generate(this ISampler sampler, IDenoiser denoiser, long[] shape, SamplingPlan plan, SamplingContext context,
        ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        Internal.Shapes.RequireVideoBatchShape(shape, nameof(shape));
        using var noise = context.DrawNoise(shape, dtype, device);
        using var xT = noise.mul(plan[0].Sigma);
        return sampler.Sample(denoiser, xT, plan, context);
    }

    /// <summary>
    /// Runs <see cref="ISampler.Sample"/> on a thread-pool thread. The result is not registered in any dispose scope of
    /// the caller; dispose it when done. TorchSharp dispose scopes are per thread, so do not open one around the await.
    /// </summary>
    public static Task<Tensor> SampleAsync(this ISampler sampler, IDenoiser denoiser, Tensor xT, SamplingPlan plan, SamplingContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return Task.Run(() => sampler.Sample(denoiser, xT, plan, context), context?.CancellationToken ?? CancellationToken.None);
    }
}
