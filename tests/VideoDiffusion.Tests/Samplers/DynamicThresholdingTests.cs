using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Samplers;

public sealed class DynamicThresholdingTests
{
    private static readonly VideoDiffusion.Schedules.NoiseLevel Level = TestPlans.Linear.Level(300);

    [Fact]
    public void Denoise_EstimateWithinUnitRange_Unchanged()
    {
        using var clip = tensor(new[] { -0.9, -0.5, 0, 0.2, 0.4, 0.6, 0.8, 0.95 }, [1, 1, 2, 2, 2]);
        var inner = new PointMassDenoiser(clip);
        using var x = TestPlans.Normal(1, ScalarType.Float64, 2, 1, 2, 2, 2);
        using var expected = inner.Denoise(x, Level);
        using var actual = new DynamicThresholding(inner).Denoise(x, Level);
        Tensors.MaxAbsDiff(actual.X0, expected.X0).Should().BeLessThan(1e-12);
        Tensors.MaxAbsDiff(actual.Eps, expected.Eps).Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Denoise_EstimateBeyondUnitRange_ClampsAtPercentileAndRescales()
    {
        double[] values = [-3, -1.5, -0.5, 0, 0.5, 1, 2, 4];
        using var clip = tensor(values, [1, 1, 2, 2, 2]);
        var inner = new PointMassDenoiser(clip);
        using var x = TestPlans.Normal(2, ScalarType.Float64, 1, 1, 2, 2, 2);
        using var d = new DynamicThresholding(inner, percentile: 0.9).Denoise(x, Level);
        // numpy.quantile(|v|, 0.9) with linear interpolation: sorted |v| = 0 .5 .5 1 1.5 2 3 4, position 6.3 -> 3.3.
        const double s = 3.3;
        Tensors.ToDoubles(d.X0).Should().Equal(values.Select(v => Math.Clamp(v, -s, s) / s), (a, b) => Math.Abs(a - b) < 1e-12);
        using var reconstructed = d.X0 * Level.Alpha + d.Eps * Level.Sigma;
        Tensors.MaxAbsDiff(reconstructed, x).Should().BeLessThan(1e-12);

        using var capped = new DynamicThresholding(inner, percentile: 0.9, maxThreshold: 1).Denoise(x, Level);
        Tensors.ToDoubles(capped.X0).Should().Equal(values.Select(v => Math.Clamp(v, -1, 1)), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Constructor_OptionsOutOfRange_Throw()
    {
        var inner = new GaussianDenoiser(0, 1);
        var p = () => new DynamicThresholding(inner, percentile: 0);
        p.Should().Throw<ArgumentOutOfRangeException>();
        var m = () => new DynamicThresholding(inner, maxThreshold: 0.5);
        m.Should().Throw<ArgumentOutOfRangeException>();
    }
}
