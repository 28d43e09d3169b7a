using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;
using Xunit.Abstractions;

namespace VideoDiffusion.Tests.Samplers;

public sealed class DdimInversionTests(ITestOutputHelper output)
{
    private static readonly GaussianDenoiser Gaussian = new(0.3, 0.5);

    private static double RoundTrip(int iterations, int steps, out Tensor inverted)
    {
        var plan = TestPlans.Trailing(steps);
        using var clip = Gaussian.Marginal(TestPlans.Normal(4, ScalarType.Float32, 4, 1, 2, 2, 2), VideoDiffusion.Schedules.NoiseLevel.Data);
        inverted = new DdimInversion(iterations).Invert(Gaussian, clip, plan);
        using var regenerated = KnownSamplers.Ddim.Sample(Gaussian, inverted, plan);
        return Tensors.MaxAbsDiff(regenerated, clip);
    }

    [Fact]
    public void InvertThenSample_100Steps_ReturnsTheInputWithin1e3()
    {
        var errors = Enumerable.Range(0, 4).Select(k =>
        {
            var e = RoundTrip(k, 100, out var inverted);
            inverted.Dispose();
            return e;
        }).ToArray();
        output.WriteLine($"round-trip max error, 100 steps, 0..3 fixed-point iterations: {string.Join(", ", errors.Select(e => e.ToString("E2")))}");
        errors[new DdimInversion().FixedPointIterations].Should().BeLessThan(1e-3);
        errors[0].Should().BeGreaterThan(1e-2, "the classic inversion is only approximately the inverse of the DDIM step");
        errors.Should().BeInDescendingOrder();
    }

    [Fact]
    public void Invert_CallbackAndCancellation_EveryStepFromCleanToNoisy()
    {
        var plan = TestPlans.Trailing(10);
        using var clip = TestPlans.Normal(1, ScalarType.Float32, 1, 1, 2, 2, 2);
        var seen = new List<SamplingProgress>();
        var context = new SamplingContext { Callback = p => { seen.Add(p); return null; } };
        new DdimInversion().Invert(Gaussian, clip, plan, context).Dispose();
        seen.Select(p => p.Step).Should().Equal(Enumerable.Range(0, 10));
        seen.Should().OnlyContain(p => p.Level == plan[10 - p.Step] && p.NextLevel == plan[9 - p.Step]);

        using var source = new CancellationTokenSource();
        var count = 0;
        var cancelling = new SamplingContext { CancellationToken = source.Token, Callback = p => { if (++count == 3) { source.Cancel(); } return null; } };
        var growth = LiveTensors.Growth(() =>
        {
            var act = () => new DdimInversion().Invert(Gaussian, clip, plan, cancelling);
            act.Should().Throw<OperationCanceledException>();
        });
        count.Should().Be(3);
        growth.Should().Be(0);
    }
}
