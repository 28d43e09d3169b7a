using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Conditioning on known frames by replacement (Song et al. 2021, "Score-Based Generative Modeling through SDEs",
/// appendix I.2 imputation; Ho et al. 2022, "Video Diffusion Models", section 3.1): the denoiser's estimate of the
/// known frames is replaced by the frames themselves, <c>x0^a = x^a</c>, with <c>eps^a = (x_t^a - alpha x^a) / sigma</c>.
/// Any sampler then moves the known part of <c>x_t</c> exactly as for a point mass at <c>x^a</c>, so it stays a draw of
/// <c>q(x_t^a | x^a)</c> and ends on the known frames, while the unknown frames are denoised given the noisy known ones.
/// </summary>
/// <remarks>
/// Cheap, but the unknown frames see only a noisy view of the known ones, which biases them (Ho et al. 2022);
/// <see cref="ReconstructionGuidance"/> corrects that at the cost of a gradient through the denoiser.
/// </remarks>
public sealed class ReplacementConditioning : IDenoiser
{
    /// <summary>Creates the decorator.</summary>
    /// <param name="inner">The unconditional (or otherwise conditioned) denoiser.</param>
    /// <param name="known">The known frames (not owned).</param>
    public ReplacementConditioning(IDenoiser inner, KnownFrames known)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(known);
        Inner = inner;
        Known = known;
    }

    /// <summary>The wrapped denoiser.</summary>
    public IDenoiser Inner { get; }

    /// <summary>The known frames.</summary>
    public KnownFrames Known { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">xt does not have the known frames' shape.</exception>
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        Known.Require(xt, nameof(xt));
        using var scope = NewDisposeScope();
        var d = Inner.Denoise(xt, level);
        return Replace(xt, d.X0, d.Eps, Known, level).MoveToOuterDisposeScope();
    }

    /// <summary>Puts the known frames into an estimate: <c>x0^a = x^a</c>, <c>eps^a = (x_t^a - alpha x^a) / sigma</c>.</summary>
    internal static Denoised Replace(Tensor xt, Tensor x0, Tensor eps, KnownFrames known, NoiseLevel level)
    {
        var frames = known.Frames.to(xt.dtype);
        return new Denoised(
            where(known.VideoMask, frames, x0),
            where(known.VideoMask, SamplerMath.EpsFromX0(xt, frames, level), eps));
    }
}
