using VideoDiffusion.Schedules;
using static TorchSharp.torch;
using VideoDiffusion.Internal;

namespace VideoDiffusion.Diffusion;

/// <summary>
/// What a network predicts, and the two conversions that follow from it: the training target for
/// <c>(x0, eps)</c> at a noise level, and the conversion of a raw network output back to <c>(x0_hat, eps_hat)</c>.
/// With <c>x_t = alpha x0 + sigma eps</c> the conversions are exact for any alpha and sigma (variance-preserving or
/// rectified flow). Use the singletons <see cref="Epsilon"/>, <see cref="Sample"/>, <see cref="V"/> and <see cref="FlowVelocity"/>.
/// </summary>
public abstract class Parameterization
{
    private protected Parameterization()
    {
    }

    /// <summary>Epsilon prediction: target <c>eps</c>; <c>x0 = (x_t - sigma * out) / alpha</c>.</summary>
    public static Parameterization Epsilon { get; } = new EpsilonParameterization();

    /// <summary>Sample (x0) prediction: target <c>x0</c>; <c>eps = (x_t - alpha * out) / sigma</c>.</summary>
    public static Parameterization Sample { get; } = new SampleParameterization();

    /// <summary>
    /// v prediction (Salimans &amp; Ho 2022): target <c>v = alpha eps - sigma x0</c>;
    /// <c>x0 = (alpha x_t - sigma v) / (alpha^2 + sigma^2)</c>, <c>eps = (sigma x_t + alpha v) / (alpha^2 + sigma^2)</c>.
    /// </summary>
    public static Parameterization V { get; } = new VParameterization();

    /// <summary>
    /// Flow-velocity prediction (rectified flow): target <c>u = eps - x0</c>;
    /// <c>x0 = (x_t - sigma u) / (alpha + sigma)</c>, <c>eps = (x_t + alpha u) / (alpha + sigma)</c>.
    /// </summary>
    public static Parameterization FlowVelocity { get; } = new FlowVelocityParameterization();

    /// <summary>Which parameterization this is.</summary>
    public abstract ParameterizationKind Kind { get; }

    /// <summary>The singleton for <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static Parameterization FromKind(ParameterizationKind kind) => kind switch
    {
        ParameterizationKind.Epsilon => Epsilon,
        ParameterizationKind.Sample => Sample,
        ParameterizationKind.V => V,
        ParameterizationKind.FlowVelocity => FlowVelocity,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown parameterization."),
    };

    /// <summary>The training target for clean data <paramref name="x0"/> and noise <paramref name="eps"/>.</summary>
    /// <param name="x0">Clean batch.</param>
    /// <param name="eps">Noise, same shape.</param>
    /// <param name="alpha">Signal scale, broadcastable to x0 (e.g. <c>[B, 1, 1, 1, 1]</c>).</param>
    /// <param name="sigma">Noise scale, broadcastable to x0.</param>
    public Tensor Target(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(eps);
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(sigma);
        using var scope = NewDisposeScope();
        return TargetCore(x0, eps, alpha, sigma).MoveToOuterDisposeScope();
    }

    /// <summary>Converts a raw network output at per-sample levels to <c>(x0_hat, eps_hat)</c>.</summary>
    /// <param name="output">Network output, shape of <paramref name="xt"/>.</param>
    /// <param name="xt">The noisy input the network saw.</param>
    /// <param name="alpha">Signal scale, broadcastable to xt.</param>
    /// <param name="sigma">Noise scale, broadcastable to xt.</param>
    public Denoised ToDenoised(Tensor output, Tensor xt, Tensor alpha, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(sigma);
        using var scope = NewDisposeScope();
        return ToDenoisedCore(output, xt, alpha, sigma).MoveToOuterDisposeScope();
    }

    /// <summary>The target formula; runs inside a dispose scope.</summary>
    private protected abstract Tensor TargetCore(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma);

    /// <summary>The conversion formula; runs inside a dispose scope.</summary>
    private protected abstract Denoised ToDenoisedCore(Tensor output, Tensor xt, Tensor alpha, Tensor sigma);

    /// <summary>The training target at a single noise level.</summary>
    public Tensor Target(Tensor x0, Tensor eps, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(x0);
        using var scope = NewDisposeScope();
        var (a, s) = Scalars(x0, level);
        return TargetCore(x0, eps, a, s).MoveToOuterDisposeScope();
    }

    /// <summary>Converts a raw network output at a single noise level to <c>(x0_hat, eps_hat)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="level"/> is clean data (sigma = 0), where no denoiser is evaluated.</exception>
    /// <exception cref="InvalidOperationException">Epsilon prediction at alpha = 0 (zero SNR), where x0 cannot be recovered.</exception>
    public Denoised ToDenoised(Tensor output, Tensor xt, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(xt);
        RequireConvertible(level);
        using var scope = NewDisposeScope();
        var (a, s) = Scalars(xt, level);
        return ToDenoisedCore(output, xt, a, s).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Throws unless a network output can be converted at <paramref name="level"/>: the level must be noisy, and epsilon
    /// prediction needs alpha &gt; 0. Callers that run a network first check before paying for it.
    /// </summary>
    /// <exception cref="ArgumentException">The level is clean data (sigma = 0).</exception>
    /// <exception cref="InvalidOperationException">This parameterization cannot recover x0 at the level.</exception>
    internal void RequireConvertible(NoiseLevel level)
    {
        if (!(level.Sigma > 0))
        {
            throw new ArgumentException($"Expected a noisy level (sigma > 0), got {level}.", nameof(level));
        }
        CheckLevel(level);
    }

    /// <summary>Throws when this parameterization cannot be converted at <paramref name="level"/>.</summary>
    private protected virtual void CheckLevel(NoiseLevel level)
    {
    }

    private static (Tensor Alpha, Tensor Sigma) Scalars(Tensor like, NoiseLevel level) =>
        (HeldScalars.Full0d(level.Alpha, like.dtype, like.device), HeldScalars.Full0d(level.Sigma, like.dtype, like.device));

    /// <inheritdoc />
    public override string ToString() => Kind.ToString();

    private sealed class EpsilonParameterization : Parameterization
    {
        public override ParameterizationKind Kind => ParameterizationKind.Epsilon;

        private protected override Tensor TargetCore(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) => eps.clone();

        private protected override Denoised ToDenoisedCore(Tensor output, Tensor xt, Tensor alpha, Tensor sigma) =>
            new((xt - sigma * output) / alpha, output.clone());

        private protected override void CheckLevel(NoiseLevel level)
        {
            if (level.Alpha <= 0)
            {
                throw new InvalidOperationException(
                    $"Epsilon prediction cannot recover x0 at zero SNR (alpha = 0, timestep {level.Timestep}). " +
                    "Use v-prediction with zero-terminal-SNR schedules (Lin et al. 2023, section 3.2).");
            }
        }
    }

    private sealed class SampleParameterization : Parameterization
    {
        public override ParameterizationKind Kind => ParameterizationKind.Sample;

        private protected override Tensor TargetCore(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) => x0.clone();

        private protected override Denoised ToDenoisedCore(Tensor output, Tensor xt, Tensor alpha, Tensor sigma) =>
            new(output.clone(), (xt - alpha * output) / sigma);
    }

    private sealed class VParameterization : Parameterization
    {
        public override ParameterizationKind Kind => ParameterizationKind.V;

        private protected override Tensor TargetCore(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) => alpha * eps - sigma * x0;

        private protected override Denoised ToDenoisedCore(Tensor output, Tensor xt, Tensor alpha, Tensor sigma)
        {
            var norm = alpha * alpha + sigma * sigma;
            return new((alpha * xt - sigma * output) / norm, (sigma * xt + alpha * output) / norm);
        }
    }

    private sealed class FlowVelocityParameterization : Parameterization
    {
        public override ParameterizationKind Kind => ParameterizationKind.FlowVelocity;

        private protected override Tensor TargetCore(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) => eps - x0;

        private protected override Denoised ToDenoisedCore(Tensor output, Tensor xt, Tensor alpha, Tensor sigma)
        {
            var norm = alpha + sigma;
            return new((xt - sigma * output) / norm, (xt + alpha * output) / norm);
        }
    }
}
