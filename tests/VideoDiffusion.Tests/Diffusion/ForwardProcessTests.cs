using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Diffusion;

public class ForwardProcessTests
{
    [Fact]
    public void AddNoise_Moments_MatchAlphaX0AndSigma()
    {
        var level = DiscreteNoiseSchedule.Linear().Level(300);
        using var gen = Tensors.Seeded(2024);
        using var x0 = full([100_000, 1, 1, 1, 1], 0.7, ScalarType.Float64);
        using var eps = randn([100_000, 1, 1, 1, 1], ScalarType.Float64, generator: gen);
        using var xt = ForwardProcess.AddNoise(x0, eps, level);
        var mean = xt.mean().item<double>();
        var std = xt.std().item<double>();
        mean.Should().BeApproximately(level.Alpha * 0.7, 0.01 * level.Alpha * 0.7);
        std.Should().BeApproximately(level.Sigma, 0.01 * level.Sigma);
    }

    [Fact]
    public void AddNoise_PerSampleTimesteps_UsesEachSamplesLevel()
    {
        var schedule = DiscreteNoiseSchedule.Cosine();
        using var x0 = ones([3, 1, 1, 1, 1], ScalarType.Float64);
        using var eps = full([3, 1, 1, 1, 1], 2.0, ScalarType.Float64);
        using var timesteps = tensor(new long[] { 0, 500, 999 });
        using var xt = ForwardProcess.AddNoise(x0, eps, schedule, timesteps);
        var values = Tensors.ToDoubles(xt);
        for (var i = 0; i < 3; i++)
        {
            var level = schedule.Level(new[] { 0.0, 500, 999 }[i]);
            values[i].Should().BeApproximately(level.Alpha + 2 * level.Sigma, 1e-15);
        }
    }

    [Fact]
    public void AddNoise_MismatchedShapes_NameBoth()
    {
        using var x0 = zeros([2, 3, 4, 8, 8]);
        using var eps = zeros([2, 3, 4, 8, 9]);
        FluentActions.Invoking(() => ForwardProcess.AddNoise(x0, eps, new NoiseLevel(1, 0.5, 0.5)))
            .Should().Throw<ArgumentException>().WithParameterName("eps").WithMessage("*[2, 3, 4, 8, 8]*[2, 3, 4, 8, 9]*");
    }

    [Fact]
    public void AlphaSigma_WrongTimestepCount_Throws()
    {
        using var x0 = zeros([2, 3, 4, 8, 8]);
        using var timesteps = zeros(3);
        FluentActions.Invoking(() => ForwardProcess.AlphaSigma(DiscreteNoiseSchedule.Linear(), timesteps, x0))
            .Should().Throw<ArgumentException>().WithParameterName("timesteps").WithMessage("*B = 2*[3]*");
    }

    [Fact]
    public void AlphaSigma_TimestepOutOfRange_Throws()
    {
        using var x0 = zeros([1, 1, 1, 1, 1]);
        using var timesteps = tensor(new double[] { 1000 });
        FluentActions.Invoking(() => ForwardProcess.AlphaSigma(DiscreteNoiseSchedule.Linear(), timesteps, x0))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
