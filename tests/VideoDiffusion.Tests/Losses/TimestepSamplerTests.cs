using VideoDiffusion.Losses;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Losses;

public sealed class TimestepSamplerTests
{
    [Fact]
    public void Uniform_DiscreteSchedule_DrawsEveryIntegerWithEqualFrequency()
    {
        var schedule = DiscreteNoiseSchedule.Linear(trainSteps: 10);
        using var g = Tensors.Seeded(1);
        using var t = UniformTimestepSampler.Instance.Sample(20000, schedule, g);
        t.dtype.Should().Be(ScalarType.Float32);
        var values = Tensors.ToDoubles(t);
        values.Should().OnlyContain(v => v == Math.Floor(v) && v >= 0 && v <= 9);
        // 2000 expected per bin; binomial sd ~ 42, so 5 sd = 210.
        values.GroupBy(v => v).Should().HaveCount(10).And.OnlyContain(g => Math.Abs(g.Count() - 2000) < 210);
    }

    [Fact]
    public void Uniform_ContinuousSchedule_CoversRangeWithMeanHalf()
    {
        var schedule = new RectifiedFlowSchedule(trainSteps: 1000);
        using var g = Tensors.Seeded(2);
        using var t = UniformTimestepSampler.Instance.Sample(20000, schedule, g);
        var values = Tensors.ToDoubles(t);
        values.Should().OnlyContain(v => v >= 0 && v <= 1000);
        values.Should().Contain(v => v != Math.Floor(v));
        // sd of the mean = 1000 / sqrt(12 * 20000) ~ 2.04
        values.Average().Should().BeApproximately(500, 10);
    }

    [Fact]
    public void LogitNormal_Draws_HaveLogitWithRequestedMoments()
    {
        var schedule = new RectifiedFlowSchedule(trainSteps: 1000);
        using var g = Tensors.Seeded(3);
        using var t = new LogitNormalTimestepSampler(location: 0.5, scale: 0.8).Sample(20000, schedule, g);
        var logits = Tensors.ToDoubles(t).Select(v => v / 1000).Select(u => Math.Log(u / (1 - u))).ToArray();
        var mean = logits.Average();
        var sd = Math.Sqrt(logits.Select(x => (x - mean) * (x - mean)).Average());
        // float32 timesteps limit the logit's precision far below these tolerances (sd of the mean ~ 0.006).
        mean.Should().BeApproximately(0.5, 0.03);
        sd.Should().BeApproximately(0.8, 0.03);
    }

    [Fact]
    public void Sample_SameSeed_GivesSameTimesteps()
    {
        var schedule = DiscreteNoiseSchedule.Cosine();
        ITimestepSampler[] samplers = [UniformTimestepSampler.Instance, new LogitNormalTimestepSampler()];
        foreach (var sampler in samplers)
        {
            using var g1 = Tensors.Seeded(7);
            using var g2 = Tensors.Seeded(7);
            using var a = sampler.Sample(16, schedule, g1);
            using var b = sampler.Sample(16, schedule, g2);
            Tensors.ToDoubles(a).Should().Equal(Tensors.ToDoubles(b));
        }
    }

    [Fact]
    public void Sample_InvalidArguments_Throw()
    {
        using var g = Tensors.Seeded(0);
        FluentActions.Invoking(() => UniformTimestepSampler.Instance.Sample(0, DiscreteNoiseSchedule.Linear(), g))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("batchSize");
        FluentActions.Invoking(() => new LogitNormalTimestepSampler(scale: 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("scale");
    }
}
