using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;

namespace VideoDiffusion.Tests.Predictors;

public class SpaceTimeUNetTrainingTests
{
    [Fact]
    public void AdamW_TinyOnOneFixedBatch_EpsilonMseFallsTenfoldWithin300Steps()
    {
        using var net = Build(KnownSpaceTimeUNets.Tiny, seed: 101);
        net.train();
        using var optimizer = optim.AdamW(net.parameters(), lr: 3e-3, weight_decay: 0.0);
        var schedule = KnownNoiseSchedules.Linear.Build();
        // Two 8x16x16 clips: a moving smooth pattern and noise, with fixed noise and timesteps.
        using var x0 = Clips();
        using var eps = Normal([2, 3, 8, 16, 16], seed: 102);
        using var t = tensor(new float[] { 250f, 600f });
        using var xt = ForwardProcess.AddNoise(x0, eps, schedule, t);

        double Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(net.Predict(xt, t), eps);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        // The first step also creates the optimizer state; later steps must not add live tensors.
        var first = Step();
        var last = first;
        var steps = 1;
        var growth = LiveTensors.Growth(() =>
        {
            while (steps < 300 && last > first / 10)
            {
                last = Step();
                steps++;
            }
        });

        first.Should().BeApproximately(1.0, 0.1, "a fresh network predicts zero, so the first loss is E[eps^2]");
        last.Should().BeLessThanOrEqualTo(first / 10, $"after {steps} steps");
        growth.Should().Be(0);
    }

    private static Tensor Clips()
    {
        using var scope = NewDisposeScope();
        var frames = arange(8, ScalarType.Float32).view(1, 1, 8, 1, 1);
        var rows = linspace(-1, 1, 16).view(1, 1, 1, 16, 1);
        var cols = linspace(-1, 1, 16).view(1, 1, 1, 1, 16);
        var phase = tensor(new float[] { 0f, 1f, 2f }).view(1, 3, 1, 1, 1);
        var moving = (rows * 3 + cols * 2 - frames * 0.4 + phase).sin();
        var noisy = rand([1, 3, 8, 16, 16], generator: Tensors.Seeded(103)).mul_(2).sub_(1);
        return cat([moving, noisy], 0).MoveToOuterDisposeScope();
    }
}
