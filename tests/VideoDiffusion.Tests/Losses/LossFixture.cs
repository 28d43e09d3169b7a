using VideoDiffusion.Diffusion;
using VideoDiffusion.Losses;

namespace VideoDiffusion.Tests.Losses;

/// <summary>A hand-sized batch: B = 2 videos [1, 2, 1, 2] (4 elements each) at two variance-preserving levels, in float64.</summary>
internal sealed class LossFixture : IDisposable
{
    public static readonly long[] Shape = [2, 1, 2, 1, 2];

    public readonly double[] X0 = [0.5, -0.25, 1.0, 0.0, -0.75, 0.3, 0.2, -1.0];
    public readonly double[] Eps = [1.2, -0.4, 0.1, -2.0, 0.6, 0.9, -1.1, 0.05];
    public readonly double[] Pred = [0.9, -0.1, 0.4, -1.5, 0.2, 1.6, -0.3, 0.0];

    // alpha^2 + sigma^2 = 1; SNR = 16/9 and 9/16.
    public readonly double[] Alpha = [0.8, 0.6];
    public readonly double[] Sigma = [0.6, 0.8];

    private readonly List<Tensor> _owned = [];

    public double Xt(int i) => Alpha[i / 4] * X0[i] + Sigma[i / 4] * Eps[i];

    public double Snr(int b) => Alpha[b] * Alpha[b] / (Sigma[b] * Sigma[b]);

    public Tensor T(double[] values, params long[] shape) => Own(tensor(values, shape, ScalarType.Float64));

    public DiffusionLossInput Input(Parameterization parameterization, Tensor? mask = null) => new()
    {
        Prediction = T(Pred, Shape),
        X0 = T(X0, Shape),
        Noise = T(Eps, Shape),
        Xt = T(Enumerable.Range(0, 8).Select(Xt).ToArray(), Shape),
        Alpha = T(Alpha, 2, 1, 1, 1, 1),
        Sigma = T(Sigma, 2),
        Parameterization = parameterization,
        Mask = mask,
    };

    /// <summary>Target of element i by the parameterization's formula.</summary>
    public double Target(ParameterizationKind kind, int i)
    {
        var (a, s) = (Alpha[i / 4], Sigma[i / 4]);
        return kind switch
        {
            ParameterizationKind.Epsilon => Eps[i],
            ParameterizationKind.Sample => X0[i],
            ParameterizationKind.V => a * Eps[i] - s * X0[i],
            _ => Eps[i] - X0[i],
        };
    }

    /// <summary>Per-sample mean of f(i) over the 4 elements of each sample.</summary>
    public static double[] MeanPerSample(Func<int, double> f) =>
        [Enumerable.Range(0, 4).Average(f), Enumerable.Range(4, 4).Average(f)];

    public Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }
    }
}
