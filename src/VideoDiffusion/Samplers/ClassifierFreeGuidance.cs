using System.Globalization;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Classifier-free guidance (Ho &amp; Salimans 2022, eq. 6) as a denoiser decorator:
/// <c>x0 = x0_u + w (x0_c - x0_u)</c> and <c>eps = eps_u + w (eps_c - eps_u)</c> (the two are consistent because both
/// are affine in the prediction), with the conditional and the unconditional branch evaluated in one forward pass of
/// twice the batch. Optional guidance rescale (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps
/// are Flawed", section 3.4, eq. 15–18) matches the per-clip standard deviation of the guided v-prediction to the
/// conditional one: <c>v = v_cfg (phi std(v_c) / std(v_cfg) + 1 - phi)</c>.
/// </summary>
/// <remarks>
/// The decorator concatenates the tensors of both conditionings along the batch once, at construction (so both must
/// carry the same parts; give the unconditional branch its null value, e.g. with <see cref="UnconditionalFor"/>), and
/// owns that copy: dispose the decorator when done. Rescale works in v-space, as the paper (a v-prediction model),
/// which is defined at every level including zero SNR.
/// </remarks>
public sealed class ClassifierFreeGuidance : IDenoiser, IDisposable
{
    /// <summary>The non-batch dimensions of a video batch <c>[B, C, T, H, W]</c>: the rescale's per-sample statistics.</summary>
    private static readonly long[] PerSampleDims = [1, 2, 3, 4];

    private readonly Conditioning _joined;
    private bool _disposed;

    /// <summary>
    /// The largest accepted guidance scale magnitude, 100: published scales lie between 1.5 and 30, and beyond a few
    /// hundred the extrapolation <c>w (c - u)</c> overflows half precision and saturates every pixel.
    /// </summary>
    public const double MaxScale = 100;

    /// <summary>Creates the decorator.</summary>
    /// <param name="denoiser">A denoiser that takes the conditioning per call (e.g. <see cref="PredictorDenoiser"/>).</param>
    /// <param name="conditional">The conditioning to guide towards.</param>
    /// <param name="unconditional">The unconditional (null) conditioning, with the same parts and batch size.</param>
    /// <param name="scale">Guidance scale w: 1 = conditional, 0 = unconditional. <value>Typical values are 1.5 – 10.</value></param>
    /// <param name="rescale">Guidance rescale phi in [0, 1]. <value>The default value is 0 (off); Lin et al. use 0.7.</value></param>
    /// <param name="batched">Evaluate both branches in one pass of batch 2B (false: two passes of batch B, for memory).
    /// <value>The default value is true.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">scale outside [-<see cref="MaxScale"/>, <see cref="MaxScale"/>] or not finite; rescale outside [0, 1].</exception>
    /// <exception cref="ArgumentException">The conditionings cannot be concatenated (a part on one branch only, other shapes, or a different IndependentFrames).</exception>
    public ClassifierFreeGuidance(IConditionalDenoiser denoiser, Conditioning conditional, Conditioning unconditional, double scale, double rescale = 0, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        RequireScale(scale, nameof(scale));
        Denoiser = denoiser;
        Conditional = conditional;
        Unconditional = unconditional;
        Scale = scale;
        Rescale = SamplerMath.RequireUnitInterval(rescale, nameof(rescale));
        Batched = batched;
        TorchBackend.EnsureAvailable();
        _joined = batched ? Concat(conditional, unconditional) : conditional;
    }

    /// <summary>The wrapped denoiser.</summary>
    public IConditionalDenoiser Denoiser { get; }

    /// <summary>The conditional branch.</summary>
    public Conditioning Conditional { get; }

    /// <summary>The unconditional branch.</summary>
    public Conditioning Unconditional { get; }

    /// <summary>The guidance scale w.</summary>
    public double Scale { get; }

    /// <summary>The guidance rescale phi.</summary>
    public double Rescale { get; }

    /// <summary>Whether both branches share one forward pass.</summary>
    public bool Batched { get; }

    /// <summary>
    /// The unconditional conditioning for class-conditional models: <paramref name="conditional"/> with every class label
    /// replaced by <paramref name="nullClass"/> (the predictor's null class, e.g. its number of classes). The new label
    /// tensor is owned by the caller.
    /// </summary>
    /// <exception cref="ArgumentException">The conditioning has no class labels.</exception>
    public static Conditioning UnconditionalFor(Conditioning conditional, long nullClass)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        if (conditional.ClassLabels is null)
        {
            throw new ArgumentException("Expected a conditioning with ClassLabels [B], got none.", nameof(conditional));
        }
        TorchBackend.EnsureAvailable();
        return conditional with { ClassLabels = full_like(conditional.ClassLabels, nullClass) };
    }

    /// <inheritdoc />
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Shapes.RequireVideoBatch(xt, nameof(xt));
        using var scope = NewDisposeScope();
        Denoised conditional, unconditional;
        if (Batched)
        {
            var both = Denoiser.Denoise(cat([xt, xt], 0), level, _joined);
            var x0 = both.X0.chunk(2, 0);
            var eps = both.Eps.chunk(2, 0);
            conditional = new Denoised(x0[0], eps[0]);
            unconditional = new Denoised(x0[1], eps[1]);
        }
        else
        {
            conditional = Denoiser.Denoise(xt, level, Conditional);
            unconditional = Denoiser.Denoise(xt, level, Unconditional);
        }
        // Ho & Salimans eq. 6, written as (1 - w) u + w c so that w = 1 and w = 0 reproduce a branch exactly.
        var guidedX0 = SamplerMath.Combine(unconditional.X0, 1 - Scale, conditional.X0, Scale);
        var guidedEps = SamplerMath.Combine(unconditional.Eps, 1 - Scale, conditional.Eps, Scale);
        if (Rescale == 0)
        {
            return new Denoised(guidedX0, guidedEps).MoveToOuterDisposeScope();
        }
        // Lin et al. eq. 15-18 in v-space: v = alpha eps - sigma x0.
        var vCond = SamplerMath.Combine(conditional.Eps, level.Alpha, conditional.X0, -level.Sigma);
        var vCfg = SamplerMath.Combine(guidedEps, level.Alpha, guidedX0, -level.Sigma);
        var ratio = vCond.std(PerSampleDims, keepdim: true) / vCfg.std(PerSampleDims, keepdim: true).clamp_min(1e-12);
        var v = vCfg * (ratio * Rescale + (1 - Rescale));
        var norm = level.Alpha * level.Alpha + level.Sigma * level.Sigma;
        var rescaledX0 = SamplerMath.Combine(xt, level.Alpha / norm, v, -level.Sigma / norm);
        var rescaledEps = SamplerMath.Combine(xt, level.Sigma / norm, v, level.Alpha / norm);
        return new Denoised(rescaledX0, rescaledEps).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"ClassifierFreeGuidance(scale={Scale:R}, rescale={Rescale:R}, batched={Batched})");

    /// <summary>Releases the concatenated conditioning tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (Batched)
        {
            _joined.ClassLabels?.Dispose();
            _joined.Context?.Dispose();
            _joined.Frames?.Dispose();
            _joined.FrameMask?.Dispose();
        }
    }

    /// <summary>Both conditionings concatenated along the batch, detached from any dispose scope (owned here).</summary>
    private static Conditioning Concat(Conditioning a, Conditioning b)
    {
        if (a.IndependentFrames != b.IndependentFrames)
        {
            throw new ArgumentException(
                $"Expected both conditionings to agree on IndependentFrames, got {a.IndependentFrames} and {b.IndependentFrames}.", "unconditional");
        }
        return new Conditioning
        {
            ClassLabels = Join(a.ClassLabels, b.ClassLabels, nameof(Conditioning.ClassLabels)),
            Context = Join(a.Context, b.Context, nameof(Conditioning.Context)),
            Frames = Join(a.Frames, b.Frames, nameof(Conditioning.Frames)),
            FrameMask = Join(a.FrameMask, b.FrameMask, nameof(Conditioning.FrameMask)),
            IndependentFrames = a.IndependentFrames,
        };
    }

    private static Tensor? Join(Tensor? a, Tensor? b, string part)
    {
        if (a is null && b is null)
        {
            return null;
        }
        if (a is null || b is null)
        {
            throw new ArgumentException(
                $"Expected {part} on both branches (give the unconditional branch its null value), got it on the {(a is null ? "unconditional" : "conditional")} branch only.",
                "unconditional");
        }
        if (a.dim() != b.dim() || !a.shape.AsSpan(1).SequenceEqual(b.shape.AsSpan(1)) || a.dtype != b.dtype)
        {
            throw new ArgumentException(
                $"Expected {part} of the same shape past the batch and the same dtype on both branches, got {Shapes.Format(a)} {a.dtype} and {Shapes.Format(b)} {b.dtype}.",
                "unconditional");
        }
        return cat([a, b], 0).DetachFromDisposeScope();
    }

    /// <summary>Checks a guidance scale against [-<see cref="MaxScale"/>, <see cref="MaxScale"/>]; returns it.</summary>
    internal static double RequireScale(double scale, string parameterName)
    {
        if (!(Math.Abs(scale) <= MaxScale))
        {
            throw new ArgumentOutOfRangeException(parameterName, scale,
                $"Expected a guidance scale in [-{MaxScale}, {MaxScale}] (1 = conditional, 0 = unconditional; published values lie in 1.5-30), got {scale}.");
        }
        return scale;
    }
}
