using System.Globalization;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Reconstruction guidance (Ho et al. 2022, "Video Diffusion Models", section 3.1, eq. 7): replacement conditioning on
/// the known frames plus a correction of the unknown ones along the gradient of how well the denoiser reconstructs the
/// known frames, <c>x0^b = x0_hat^b(z_t) - (w_r alpha_t / 2) grad_(z_t^b) ||x^a - x0_hat^a(z_t)||^2</c>. It approximates
/// the conditional <c>E[x^b | z_t, x^a]</c> where replacement uses <c>E[x^b | z_t]</c> alone.
/// </summary>
/// <remarks>
/// Needs gradients through the wrapped denoiser: each call leaves inference mode and enables autograd locally, so the
/// denoiser's modules must be differentiable (their parameters need no gradient). Costs one backward pass per
/// evaluation. At zero SNR (alpha = 0) the correction vanishes and no gradient is taken.
/// </remarks>
public sealed class ReconstructionGuidance : IDenoiser
{
    /// <summary>Creates the decorator.</summary>
    /// <param name="inner">The denoiser (differentiable).</param>
    /// <param name="known">The known frames (not owned).</param>
    /// <param name="weight">Guidance weight w_r &gt;= 0; 0 gives plain replacement. <value>The default value is 1
    /// (the first-order approximation of the conditional; Ho et al. report better samples with larger weights).</value></param>
    /// <exception cref="ArgumentOutOfRangeException">weight negative or not finite.</exception>
    public ReconstructionGuidance(IDenoiser inner, KnownFrames known, double weight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(known);
        if (!(weight >= 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Expected a finite weight >= 0.");
        }
        Inner = inner;
        Known = known;
        Weight = weight;
    }

    /// <summary>The wrapped denoiser.</summary>
    public IDenoiser Inner { get; }

    /// <summary>The known frames.</summary>
    public KnownFrames Known { get; }

    /// <summary>The guidance weight w_r.</summary>
    public double Weight { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">xt does not have the known frames' shape.</exception>
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        Known.Require(xt, nameof(xt));
        using var scope = NewDisposeScope();
        if (level.Alpha == 0 || Weight == 0)
        {
            var plain = Inner.Denoise(xt, level);
            return ReplacementConditioning.Replace(xt, plain.X0, plain.Eps, Known, level).MoveToOuterDisposeScope();
        }
        Tensor x0, gradient;
        using (inference_mode(false))
        using (enable_grad())
        {
            // A clone made outside inference mode is an ordinary tensor that autograd may record.
            var z = xt.detach().clone().requires_grad_(true);
            var d = Inner.Denoise(z, level);
            var frames = Known.Frames.to(xt.dtype);
            var residual = (frames - d.X0).mul(Known.VideoMask.to(xt.dtype));
            var loss = residual.square().sum();
            gradient = TorchSharp.torch.autograd.grad([loss], [z])[0].detach();
            x0 = d.X0.detach();
        }
        // eq. 7: only the unknown frames move (the known ones are replaced below).
        var corrected = SamplerMath.Combine(x0, 1, gradient, -Weight * level.Alpha / 2);
        var eps = SamplerMath.EpsFromX0(xt, corrected, level);
        return ReplacementConditioning.Replace(xt, corrected, eps, Known, level).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ReconstructionGuidance(weight={Weight:R})");
}
