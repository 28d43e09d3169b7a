using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Samplers;

public sealed class PredictorDenoiserTests
{
    private static readonly GaussianDenoiser Gaussian = new(0.3, 0.6);

    public static TheoryData<ParameterizationKind> Kinds => [ParameterizationKind.Epsilon, ParameterizationKind.Sample, ParameterizationKind.V, ParameterizationKind.FlowVelocity];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Denoise_AnyParameterization_RecoversTheAnalyticDenoiser(ParameterizationKind kind)
    {
        var parameterization = Parameterization.FromKind(kind);
        var cases = new List<(INoiseSchedule Schedule, double T)> { (TestPlans.Linear, 0), (TestPlans.Linear, 500), (TestPlans.Linear, 999), (TestPlans.RectifiedFlow, 300.5) };
        if (kind != ParameterizationKind.Epsilon)
        {
            cases.Add((TestPlans.CosineZeroTerminalSnr, 999)); // alpha = 0
        }
        using var x = TestPlans.Normal(1, ScalarType.Float64, 3, 1, 2, 2, 2);
        foreach (var (schedule, t) in cases)
        {
            var predictor = new AnalyticPredictor(schedule, parameterization, Gaussian);
            var level = schedule.Level(t);
            using var expected = Gaussian.Denoise(x, level);
            using var actual = new PredictorDenoiser(predictor, parameterization).Denoise(x, level);
            Tensors.MaxAbsDiff(actual.X0, expected.X0).Should().BeLessThan(1e-9, $"{kind} x0 at {schedule.Description} t={t}");
            Tensors.MaxAbsDiff(actual.Eps, expected.Eps).Should().BeLessThan(1e-9, $"{kind} eps at {schedule.Description} t={t}");
            predictor.Timesteps.Should().ContainSingle().Which.Should().Equal(t, t, t);
        }
    }

    [Fact]
    public void Denoise_TimestepsAreFloat32ForFloat32Input()
    {
        var predictor = new RecordingPredictor();
        using var x = zeros([2, 1, 2, 2, 2]);
        using var d = new PredictorDenoiser(predictor, Parameterization.V).Denoise(x, TestPlans.Linear.Level(250.5));
        predictor.TimestepType.Should().Be(ScalarType.Float32);
        predictor.Values.Should().Equal(250.5, 250.5);
    }

    [Fact]
    public void Denoise_InvalidInput_Throws()
    {
        var denoiser = new PredictorDenoiser(new AnalyticPredictor(TestPlans.CosineZeroTerminalSnr, Parameterization.Epsilon, Gaussian), Parameterization.Epsilon);
        using var x = zeros([1, 1, 2, 2, 2]);
        var zeroSnr = () => denoiser.Denoise(x, TestPlans.CosineZeroTerminalSnr.Level(999));
        zeroSnr.Should().Throw<InvalidOperationException>().WithMessage("*alpha = 0*");
        var clean = () => denoiser.Denoise(x, NoiseLevel.Data);
        clean.Should().Throw<ArgumentException>().WithParameterName("level");
        using var wrongChannels = zeros([1, 3, 2, 2, 2]);
        var channels = () => denoiser.Denoise(wrongChannels, TestPlans.Linear.Level(10));
        channels.Should().Throw<ArgumentException>().WithParameterName("xt").WithMessage("*C = 1*[1, 3, 2, 2, 2]*");
    }

    [Fact]
    public void WithConditioning_PassesTheConditioningToThePredictor()
    {
        var classes = new IDenoiser[] { new GaussianDenoiser(0.8, 0.3), new GaussianDenoiser(-0.5, 0.4) };
        var predictor = new AnalyticPredictor(TestPlans.Linear, Parameterization.V, classes);
        using var labels = tensor(new long[] { 1, 0 });
        var denoiser = new PredictorDenoiser(predictor, Parameterization.V).WithConditioning(new Conditioning { ClassLabels = labels });
        var level = TestPlans.Linear.Level(400);
        using var x = TestPlans.Normal(2, ScalarType.Float64, 2, 1, 2, 2, 2);
        using var d = denoiser.Denoise(x, level);
        for (var b = 0; b < 2; b++)
        {
            using var clip = x.narrow(0, b, 1);
            using var expected = classes[1 - b].Denoise(clip, level);
            using var actual = d.X0.narrow(0, b, 1);
            Tensors.MaxAbsDiff(actual, expected.X0).Should().BeLessThan(1e-9);
        }
    }

    private sealed class RecordingPredictor : INoisePredictor
    {
        public int InChannels => 1;

        public int OutChannels => 1;

        public int SpatialMultiple => 1;

        public ScalarType TimestepType { get; private set; }

        public double[] Values { get; private set; } = [];

        public Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null)
        {
            TimestepType = timesteps.dtype;
            Values = Tensors.ToDoubles(timesteps);
            return zeros_like(xt);
        }
    }
}
