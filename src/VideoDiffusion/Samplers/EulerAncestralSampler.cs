using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Ancestral Euler (k-diffusion <c>sample_euler_ancestral</c>, after Song et al. 2021 and Karras et al. 2022): in VE
/// coordinates (<c>x~ = x / alpha</c>, <c>s = sigma / alpha</c>) each step splits the move from s to s' into a
/// deterministic Euler step down to <c>s_down</c> and fresh noise of scale <c>s_up</c>, with
/// <c>s_up = min(s', eta sqrt(s'^2 (s^2 - s'^2) / s^2))</c> and <c>s_down = sqrt(s'^2 - s_up^2)</c>:
/// <c>x~' = x~ + (s_down - s) d + s_up z</c>, <c>d = (x~ - x0_hat) / s</c>. eta = 1 matches the DDPM posterior.
/// </summary>
/// <remarks>A step from zero SNR takes the limit s → inf: <c>x~' = x0_hat + s_down eps_hat + s_up z</c>, <c>s_up = eta s'</c>.</remarks>
public sealed class EulerAncestralSampler : Sampler
{
    /// <summary>Creates an ancestral Euler sampler.</summary>
    /// <param name="eta">Share of the ancestral noise in [0, 1]. <value>The default value is 1.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">eta outside [0, 1].</exception>
    public EulerAncestralSampler(double eta = 1.0)
    {
        Eta = SamplerMath.RequireUnitInterval(eta, nameof(eta));
    }

    /// <summary>The ancestral noise share eta.</summary>
    public double Eta { get; }

    /// <inheritdoc />
    public override string Name => Eta == 1 ? "Euler ancestral" : string.Create(CultureInfo.InvariantCulture, $"Euler ancestral(eta={Eta:R})");

    /// <inheritdoc />
    public override int Order => 1;

    /// <inheritdoc />
    public override bool IsDeterministic => Eta == 0;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var level = state.Level;
        var next = state.Plan[state.StepIndex + 1];
        var d = Evaluate(denoiser, x, state);
        var sNext = next.VeSigma;
        var sUp = level.Alpha == 0
            ? Eta * sNext
            : Math.Min(sNext, Eta * Math.Sqrt(sNext * sNext * (level.VeSigma * level.VeSigma - sNext * sNext) / (level.VeSigma * level.VeSigma)));
        if (double.IsNaN(sUp))
        {
            sUp = 0;
        }
        var sDown = Math.Sqrt(Math.Max(0, sNext * sNext - sUp * sUp));
        Tensor moved;
        if (level.Alpha == 0)
        {
            moved = SamplerMath.VeEulerFromZeroSnr(x, d.X0, level, sDown);
        }
        else
        {
            var (xTilde, slope) = SamplerMath.VeDerivative(x, d.X0, level);
            moved = SamplerMath.Combine(xTilde, 1, slope, sDown - level.VeSigma);
        }
        if (sUp > 0)
        {
            moved.add_(context.DrawNoiseLike(x), sUp);
        }
        return moved.mul_(next.Alpha);
    }
}
