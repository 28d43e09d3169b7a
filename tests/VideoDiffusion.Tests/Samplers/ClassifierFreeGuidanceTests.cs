using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Samplers;

public sealed class ClassifierFreeGuidanceTests : IDisposable
{
    // Class 0, class 1 and the null class 2 are Gaussians with different means and spreads.
    private static readonly IDenoiser[] Classes = [new GaussianDenoiser(0.8, 0.3), new GaussianDenoiser(-0.5, 0.4), new GaussianDenoiser(0.1, 0.7)];
    private readonly Tensor _labels = tensor(new long[] { 0, 1, 0 });
    private readonly Tensor _x = TestPlans.Normal(3, ScalarType.Float64, 3, 1, 2, 2, 2);
    private readonly AnalyticPredictor _predictor = new(TestPlans.Linear, Parameterization.V, Classes);
    private readonly Conditioning _conditional;
    private readonly Conditioning _unconditional;

    public ClassifierFreeGuidanceTests()
    {
        _conditional = new Conditioning { ClassLabels = _labels };
        _unconditional = ClassifierFreeGuidance.UnconditionalFor(_conditional, 2);
    }

    private PredictorDenoiser Denoiser => new(_predictor, Parameterization.V);

    private static VideoDiffusion.Schedules.NoiseLevel Level => TestPlans.Linear.Level(600);

    [Fact]
    public void UnconditionalFor_ReplacesEveryLabelByTheNullClass()
    {
        Tensors.ToDoubles(_unconditional.ClassLabels!).Should().Equal(2, 2, 2);
        var none = () => ClassifierFreeGuidance.UnconditionalFor(Conditioning.None, 2);
        none.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData(1.0, true)]
    [InlineData(0.0, false)]
    public void Denoise_ScaleOneOrZero_EqualsConditionalOrUnconditional(double scale, bool conditional)
    {
        using var cfg = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, scale);
        using var guided = cfg.Denoise(_x, Level);
        using var expected = Denoiser.Denoise(_x, Level, conditional ? _conditional : _unconditional);
        Tensors.MaxAbsDiff(guided.X0, expected.X0).Should().BeLessThan(1e-6);
        Tensors.MaxAbsDiff(guided.Eps, expected.Eps).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Denoise_Batched_OneForwardPassThatEqualsTwoSeparatePasses()
    {
        const double w = 4.5;
        using var cfg = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, w);
        using var guided = cfg.Denoise(_x, Level);
        _predictor.BatchSizes.Should().Equal(6);
        using var c = Denoiser.Denoise(_x, Level, _conditional);
        using var u = Denoiser.Denoise(_x, Level, _unconditional);
        using var x0 = u.X0 + w * (c.X0 - u.X0);
        using var eps = u.Eps + w * (c.Eps - u.Eps);
        Tensors.MaxAbsDiff(guided.X0, x0).Should().BeLessThan(1e-6);
        Tensors.MaxAbsDiff(guided.Eps, eps).Should().BeLessThan(1e-6);

        using var unbatched = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, w, batched: false);
        using var twoPasses = unbatched.Denoise(_x, Level);
        Tensors.MaxAbsDiff(twoPasses.X0, guided.X0).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Denoise_RescaleZero_IsANoOp()
    {
        using var plain = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, 6, batched: false);
        using var rescaled = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, 6, rescale: 0);
        using var a = plain.Denoise(_x, Level);
        using var b = rescaled.Denoise(_x, Level);
        Tensors.MaxAbsDiff(a.X0, b.X0).Should().BeLessThan(1e-6);
        Tensors.MaxAbsDiff(a.Eps, b.Eps).Should().BeLessThan(1e-6);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.7)]
    public void Denoise_Rescale_MatchesLinEtAlInVSpace(double phi)
    {
        var level = Level;
        using var cfg = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, 7.5, rescale: phi);
        using var guided = cfg.Denoise(_x, level);
        using var c = Denoiser.Denoise(_x, level, _conditional);
        using var u = Denoiser.Denoise(_x, level, _unconditional);
        using var vCond = c.Eps * level.Alpha - c.X0 * level.Sigma;
        using var vU = u.Eps * level.Alpha - u.X0 * level.Sigma;
        using var vCfg = vU + 7.5 * (vCond - vU);
        using var v = guided.Eps * level.Alpha - guided.X0 * level.Sigma;
        for (var b = 0; b < 3; b++)
        {
            var stdCond = vCond[b].std().item<double>();
            var stdCfg = vCfg[b].std().item<double>();
            using var expected = vCfg[b] * (phi * stdCond / stdCfg + 1 - phi);
            Tensors.MaxAbsDiff(v[b], expected).Should().BeLessThan(1e-9);
            if (phi == 1)
            {
                v[b].std().item<double>().Should().BeApproximately(stdCond, 1e-9);
            }
        }
        // x_t = alpha x0 + sigma eps still holds.
        using var reconstructed = guided.X0 * level.Alpha + guided.Eps * level.Sigma;
        Tensors.MaxAbsDiff(reconstructed, _x).Should().BeLessThan(1e-9);
    }

    [Fact]
    public void Constructor_ConditioningsThatCannotBeBatched_Throw()
    {
        var missing = () => new ClassifierFreeGuidance(Denoiser, _conditional, Conditioning.None, 3);
        missing.Should().Throw<ArgumentException>().WithMessage("*ClassLabels*unconditional*");
        var frames = () => new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional with { IndependentFrames = true }, 3);
        frames.Should().Throw<ArgumentException>().WithMessage("*IndependentFrames*");
        var rescale = () => new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, 3, rescale: 1.5);
        rescale.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Sample_WithGuidance_LeaksNoTensors()
    {
        using var cfg = new ClassifierFreeGuidance(Denoiser, _conditional, _unconditional, 3, rescale: 0.7);
        var plan = TestPlans.Trailing(10);
        KnownSamplers.DpmSolverPlusPlus2M.Sample(cfg, _x, plan).Dispose();
        LiveTensors.Growth(() => KnownSamplers.DpmSolverPlusPlus2M.Sample(cfg, _x, plan).Dispose()).Should().Be(0);
    }

    public void Dispose()
    {
        _labels.Dispose();
        _unconditional.ClassLabels!.Dispose();
        _x.Dispose();
    }
}
