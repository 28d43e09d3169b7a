using VideoDiffusion.Internal;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Diffusion;

/// <summary>
/// The forward (noising) process <c>q(x_t | x_0) = N(alpha_t x_0, sigma_t^2 I)</c>: the one place where
/// <c>x_t = alpha x_0 + sigma eps</c> is written.
/// </summary>
public static class ForwardProcess
{
    /// <summary>Noises a batch at one level: <c>alpha * x0 + sigma * eps</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="eps"/> does not have the shape of <paramref name="x0"/>.</exception>
    public static Tensor AddNoise(Tensor x0, Tensor eps, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(eps);
        TorchBackend.EnsureAvailable();
        Shapes.RequireSameShape(x0, eps, nameof(x0), nameof(eps));
        using var scope = NewDisposeScope();
        return (x0.MulScalar(level.Alpha) + eps.MulScalar(level.Sigma)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Noises each sample of a batch at its own timestep: <c>alpha(t_b) * x0[b] + sigma(t_b) * eps[b]</c>.
    /// </summary>
    /// <param name="x0">Clean batch <c>[B, …]</c>.</param>
    /// <param name="eps">Noise with the shape of x0.</param>
    /// <param name="schedule">The schedule that maps timesteps to (alpha, sigma).</param>
    /// <param name="timesteps">Timesteps <c>[B]</c> in <c>[0, MaxTimestep]</c> (any numeric dtype, any device).</param>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A timestep is outside the schedule's range.</exception>
    public static Tensor AddNoise(Tensor x0, Tensor eps, INoiseSchedule schedule, Tensor timesteps)
    {
        ArgumentNullException.ThrowIfNull(eps);
        var (alpha, sigma) = AlphaSigma(schedule, timesteps, x0);
        using var a = alpha;
        using var s = sigma;
        return AddNoise(x0, eps, a, s);
    }

    /// <summary>
    /// Noises a batch with per-sample coefficients from <see cref="AlphaSigma"/>: <c>alpha * x0 + sigma * eps</c>, for
    /// callers that need alpha and sigma themselves (a loss weighting, a target) and should not look them up twice.
    /// </summary>
    /// <param name="x0">Clean batch <c>[B, …]</c>.</param>
    /// <param name="eps">Noise with the shape of x0.</param>
    /// <param name="alpha">Signal coefficients that broadcast against x0, e.g. <c>[B, 1, …, 1]</c>.</param>
    /// <param name="sigma">Noise coefficients that broadcast against x0.</param>
    /// <exception cref="ArgumentException"><paramref name="eps"/> does not have the shape of <paramref name="x0"/>.</exception>
    public static Tensor AddNoise(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(eps);
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(sigma);
        Shapes.RequireSameShape(x0, eps, nameof(x0), nameof(eps));
        using var scope = NewDisposeScope();
        return (x0 * alpha + eps * sigma).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-sample alpha and sigma for <paramref name="timesteps"/>, shaped <c>[B, 1, …, 1]</c> to broadcast against
    /// <paramref name="like"/> and with its dtype and device. Computed in double on the host, then converted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="timesteps"/> is not <c>[B]</c> with B = like's first dimension.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A timestep is outside the schedule's range.</exception>
    public static (Tensor Alpha, Tensor Sigma) AlphaSigma(INoiseSchedule schedule, Tensor timesteps, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentNullException.ThrowIfNull(like);
        TorchBackend.EnsureAvailable();
        if (like.dim() < 1 || timesteps.dim() != 1 || timesteps.shape[0] != like.shape[0])
        {
            throw new ArgumentException(
                $"Expected timesteps [B] with B = {(like.dim() > 0 ? like.shape[0] : 0)} (the batch size of {Shapes.Format(like)}), got {Shapes.Format(timesteps)}.",
                nameof(timesteps));
        }
        double[] ts;
        using (var host = timesteps.detach().to(ScalarType.Float64, CPU))
        {
            ts = host.data<double>().ToArray();
        }
        var alphas = new double[ts.Length];
        var sigmas = new double[ts.Length];
        for (var i = 0; i < ts.Length; i++)
        {
            var level = schedule.Level(ts[i]);
            alphas[i] = level.Alpha;
            sigmas[i] = level.Sigma;
        }
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = ts.Length;
        return (ToDevice(alphas, shape, like), ToDevice(sigmas, shape, like));
    }

    private static Tensor ToDevice(double[] values, long[] shape, Tensor like)
    {
        using var host = tensor(values, shape, ScalarType.Float64);
        return host.to(like.dtype, like.device);
    }
}
