using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>
/// The exact denoiser for a Gaussian prior whose frames are correlated: every pixel's T frames are N(0, K) with the
/// frame covariance K (T x T), independently across channels and pixels. x0_hat = M x_t along T with
/// M = alpha K (alpha^2 K + sigma^2 I)^-1; built from torch ops, so it is differentiable.
/// </summary>
internal sealed class CorrelatedFramesDenoiser(double[,] covariance) : IDenoiser
{
    public double[,] Covariance { get; } = covariance;

    public int Frames => Covariance.GetLength(0);

    /// <summary>AR(1)-like covariance K_ij = scale^2 rho^|i-j|.</summary>
    public static CorrelatedFramesDenoiser Ar1(int frames, double rho, double scale = 1)
    {
        var k = new double[frames, frames];
        for (var i = 0; i < frames; i++)
        {
            for (var j = 0; j < frames; j++)
            {
                k[i, j] = scale * scale * Math.Pow(rho, Math.Abs(i - j));
            }
        }
        return new CorrelatedFramesDenoiser(k);
    }

    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        using var scope = NewDisposeScope();
        var k = tensor(Covariance, ScalarType.Float64);
        var m = (k * level.Alpha).matmul(linalg.inv(k * (level.Alpha * level.Alpha) + eye(Frames, dtype: ScalarType.Float64) * (level.Sigma * level.Sigma)));
        var x0 = einsum("ij,bcjhw->bcihw", m.to(xt.dtype, xt.device), xt);
        var eps = (xt - x0 * level.Alpha) / level.Sigma;
        return new Denoised(x0, eps).MoveToOuterDisposeScope();
    }

    /// <summary>E[x^b | x^a] = K_ba K_aa^-1 x^a for the unknown frames b given the known frames a (per pixel).</summary>
    public Tensor ConditionalMean(Tensor frames, int[] known)
    {
        using var scope = NewDisposeScope();
        var unknown = Enumerable.Range(0, Frames).Except(known).ToArray();
        var k = tensor(Covariance, ScalarType.Float64);
        var ka = tensor(known.Select(i => (long)i).ToArray());
        var kb = tensor(unknown.Select(i => (long)i).ToArray());
        var kba = k.index_select(0, kb).index_select(1, ka);
        var kaa = k.index_select(0, ka).index_select(1, ka);
        var gain = kba.matmul(linalg.inv(kaa)).to(frames.dtype);
        return einsum("ij,bcjhw->bcihw", gain, frames.index_select(2, ka)).MoveToOuterDisposeScope();
    }
}
