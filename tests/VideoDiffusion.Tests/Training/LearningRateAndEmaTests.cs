using VideoDiffusion.Tests.TestSupport;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

public sealed class LearningRateAndEmaTests
{
    [Fact]
    public void Factor_WarmupCosine_FollowsFormula()
    {
        var s = LearningRateSchedule.WarmupCosine(warmupSteps: 4, finalFactor: 0.1);
        s.Factor(0, 14).Should().Be(0.25);
        s.Factor(3, 14).Should().Be(1.0);
        // Decay over steps 4 … 13: progress (step - 4) / 9.
        s.Factor(4, 14).Should().BeApproximately(1.0, 1e-12);
        s.Factor(8, 14).Should().BeApproximately(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 9)), 1e-12);
        s.Factor(13, 14).Should().BeApproximately(0.1, 1e-12);
        s.Factor(100, 14).Should().BeApproximately(0.1, 1e-12);
    }

    [Fact]
    public void Factor_WarmupLinearAndConstant_FollowFormula()
    {
        var linear = LearningRateSchedule.WarmupLinear(warmupSteps: 2);
        linear.Factor(1, 13).Should().Be(1.0);
        linear.Factor(2, 13).Should().Be(1.0);
        linear.Factor(7, 13).Should().BeApproximately(0.5, 1e-12); // decay over steps 2 … 12
        linear.Factor(12, 13).Should().Be(0.0);
        LearningRateSchedule.Constant.Factor(123, 10).Should().Be(1.0);
        (LearningRateSchedule.Constant with { WarmupSteps = 10 }).Factor(4, 100).Should().Be(0.5);
        FluentActions.Invoking(() => (LearningRateSchedule.Constant with { FinalFactor = 2 }).Factor(0, 1))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FinalFactor");
    }

    [Fact]
    public void Update_WarmupDecay_MatchesHandComputedAverage()
    {
        using var w = tensor(new[] { 1.0f, -2.0f });
        using var ema = new ExponentialMovingAverage([("w", w)], decay: 0.5);
        double[] shadow = [1.0, -2.0];
        double[] values = [3.0, 5.0, -1.0, 0.5];
        for (var n = 0; n < values.Length; n++)
        {
            var d = Math.Min(0.5, (1.0 + n) / (10.0 + n));
            ema.CurrentDecay.Should().BeApproximately(d, 1e-15);
            using (no_grad())
            {
                w.fill_(values[n]);
            }
            ema.Update([("w", w)]);
            shadow = shadow.Select(s => d * s + (1 - d) * values[n]).ToArray();
        }
        ema.Updates.Should().Be(4);
        Tensors.ToDoubles(ema.Shadows["w"]).Should().Equal(shadow, (a, e) => Math.Abs(a - e) < 1e-6);
        // The first update of a fresh average uses (1 + 0) / (10 + 0).
        using var fresh = new ExponentialMovingAverage([], 0.5);
        fresh.CurrentDecay.Should().Be(0.1);
    }

    [Fact]
    public void Apply_SwapsAverageInAndRestoresBitwise()
    {
        var model = new StandInPredictor(seed: 1);
        var before = TrainingSetup.Bits(model.state_dict());
        using var ema = new ExponentialMovingAverage(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 0.9, warmup: false);
        using (no_grad())
        {
            foreach (var p in model.parameters())
            {
                p.add_(1.0);
            }
        }
        var moved = TrainingSetup.Bits(model.state_dict());
        using (ema.Apply(model))
        {
            TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(model.state_dict()), before);
        }
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(model.state_dict()), moved);
    }

    [Fact]
    public void ConstructUpdateApply_LeakNoTensors()
    {
        var model = new StandInPredictor(seed: 2);
        var parameters = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        parameters.Should().HaveCountGreaterThan(5);
        var growth = LiveTensors.Growth(() =>
        {
            using var ema = new ExponentialMovingAverage(parameters, 0.9);
            ema.Update(parameters);
            using (ema.Apply(model))
            {
            }
        });
        growth.Should().Be(0);
    }
}
