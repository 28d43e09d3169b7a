using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Diffusion;

public class ParameterizationTests
{
    public static TheoryData<ParameterizationKind> Kinds => new()
    {
        ParameterizationKind.Epsilon, ParameterizationKind.Sample, ParameterizationKind.V, ParameterizationKind.FlowVelocity,
    };

    public static TheoryData<ParameterizationKind, string> KindsAndSchedules()
    {
        var data = new TheoryData<ParameterizationKind, string>();
        foreach (var kind in Enum.GetValues<ParameterizationKind>())
        {
            data.Add(kind, "cosine");
            data.Add(kind, "flow");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndSchedules))]
    public void TargetThenToDenoised_RecoversX0AndEps(ParameterizationKind kind, string scheduleName)
    {
        INoiseSchedule schedule = scheduleName == "flow" ? new RectifiedFlowSchedule() : DiscreteNoiseSchedule.Cosine();
        var p = Parameterization.FromKind(kind);
        using var gen = Tensors.Seeded(7);
        using var x0 = randn([3, 2, 4, 5, 6], ScalarType.Float64, generator: gen);
        using var eps = randn([3, 2, 4, 5, 6], ScalarType.Float64, generator: gen);
        foreach (var t in new[] { 1.0, 250.5, 700, 990 })
        {
            var level = schedule.Level(t);
            using var xt = ForwardProcess.AddNoise(x0, eps, level);
            using var target = p.Target(x0, eps, level);
            using var d = p.ToDenoised(target, xt, level);
            Tensors.MaxAbsDiff(d.X0, x0).Should().BeLessThan(1e-6, $"x0 at t = {t}");
            Tensors.MaxAbsDiff(d.Eps, eps).Should().BeLessThan(1e-6, $"eps at t = {t}");
        }
    }

    [Fact]
    public void Targets_MatchPublishedDefinitions()
    {
        var level = new NoiseLevel(10, 0.6, 0.8);
        using var x0 = tensor(new double[] { 1.5, -2 });
        using var eps = tensor(new double[] { 0.25, 3 });
        Tensors.ToDoubles(Parameterization.Epsilon.Target(x0, eps, level)).Should().Equal(0.25, 3);
        Tensors.ToDoubles(Parameterization.Sample.Target(x0, eps, level)).Should().Equal(1.5, -2);
        // v = alpha eps - sigma x0 (Salimans & Ho 2022, section 4)
        Tensors.ToDoubles(Parameterization.V.Target(x0, eps, level)).Should().Equal([0.6 * 0.25 - 0.8 * 1.5, 0.6 * 3 - 0.8 * -2], (a, b) => Math.Abs(a - b) < 1e-15);
        // u = eps - x0 (rectified flow)
        Tensors.ToDoubles(Parameterization.FlowVelocity.Target(x0, eps, level)).Should().Equal(0.25 - 1.5, 3 + 2);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ConversionsBetweenParameterizations_RoundTrip(ParameterizationKind from)
    {
        // x0 -> eps -> v -> flow -> x0: convert the prediction of one parameterization into each other one.
        var level = DiscreteNoiseSchedule.Linear().Level(432);
        using var gen = Tensors.Seeded(11);
        using var x0 = randn([2, 3, 2, 4, 4], ScalarType.Float64, generator: gen);
        using var eps = randn([2, 3, 2, 4, 4], ScalarType.Float64, generator: gen);
        using var xt = ForwardProcess.AddNoise(x0, eps, level);
        var source = Parameterization.FromKind(from);
        using var prediction = source.Target(x0, eps, level);
        using var d = source.ToDenoised(prediction, xt, level);
        foreach (var to in Enum.GetValues<ParameterizationKind>())
        {
            var p = Parameterization.FromKind(to);
            using var converted = p.Target(d.X0, d.Eps, level);
            using var back = p.ToDenoised(converted, xt, level);
            Tensors.MaxAbsDiff(back.X0, x0).Should().BeLessThan(1e-6, $"{from} -> {to}");
            Tensors.MaxAbsDiff(back.Eps, eps).Should().BeLessThan(1e-6, $"{from} -> {to}");
        }
    }

    [Fact]
    public void ToDenoised_PerSampleLevels_MatchesScalarPath()
    {
        var schedule = DiscreteNoiseSchedule.Cosine();
        using var gen = Tensors.Seeded(3);
        using var x0 = randn([2, 1, 2, 3, 3], ScalarType.Float64, generator: gen);
        using var eps = randn([2, 1, 2, 3, 3], ScalarType.Float64, generator: gen);
        using var timesteps = tensor(new double[] { 100, 800 });
        var (alpha, sigma) = ForwardProcess.AlphaSigma(schedule, timesteps, x0);
        using var xt = ForwardProcess.AddNoise(x0, eps, schedule, timesteps);
        using var v = Parameterization.V.Target(x0, eps, alpha, sigma);
        using var d = Parameterization.V.ToDenoised(v, xt, alpha, sigma);
        Tensors.MaxAbsDiff(d.X0, x0).Should().BeLessThan(1e-12);
        using var xt1 = ForwardProcess.AddNoise(x0[1..2], eps[1..2], schedule.Level(800));
        Tensors.MaxAbsDiff(xt[1..2], xt1).Should().BeLessThan(1e-15);
        alpha.Dispose();
        sigma.Dispose();
    }

    [Fact]
    public void Epsilon_AtZeroSnr_ExplainsThatVPredictionIsNeeded()
    {
        using var x = zeros([1, 1, 1, 1, 1]);
        FluentActions.Invoking(() => Parameterization.Epsilon.ToDenoised(x, x, new NoiseLevel(999, 0, 1)))
            .Should().Throw<InvalidOperationException>().WithMessage("*v-prediction*");
        using var d = Parameterization.V.ToDenoised(x, x, new NoiseLevel(999, 0, 1));
        Tensors.ToDoubles(d.X0).Should().Equal(0.0);
    }

    [Fact]
    public void ToDenoised_AtDataLevel_Throws()
    {
        using var x = zeros([1, 1, 1, 1, 1]);
        FluentActions.Invoking(() => Parameterization.Sample.ToDenoised(x, x, NoiseLevel.Data))
            .Should().Throw<ArgumentException>().WithParameterName("level");
    }

    [Fact]
    public void Conversions_FollowInputDtype()
    {
        using var x = ones([1, 1, 1, 2, 2], ScalarType.Float32);
        using var d = Parameterization.V.ToDenoised(x, x, new NoiseLevel(5, 0.6, 0.8));
        d.X0.dtype.Should().Be(ScalarType.Float32);
        d.X0.device_type.Should().Be(DeviceType.CPU);
    }
}
