using VideoDiffusion.Diffusion;
using VideoDiffusion.Losses;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Losses;

public sealed class DiffusionLossTests
{
    private const double Tol = 1e-6;

    public static TheoryData<string> ElementLosses => new() { "mse", "l1", "huber", "pseudohuber" };

    private static (ElementLoss Loss, Func<double, double> Formula) Element(string name) => name switch
    {
        "mse" => (ElementLoss.Mse, d => d * d),
        "l1" => (ElementLoss.L1, Math.Abs),
        // delta = 0.5 puts some differences on each side of the threshold.
        "huber" => (ElementLoss.Huber(0.5), d => Math.Abs(d) <= 0.5 ? 0.5 * d * d : 0.5 * (Math.Abs(d) - 0.25)),
        _ => (ElementLoss.PseudoHuber(0.3), d => Math.Sqrt(d * d + 0.09) - 0.3),
    };

    [Theory]
    [MemberData(nameof(ElementLosses))]
    public void PerSample_ElementLossUniform_EqualsHandComputedMean(string name)
    {
        using var f = new LossFixture();
        var (element, formula) = Element(name);
        using var perSample = new DiffusionLoss(element).PerSample(f.Input(Parameterization.Epsilon));
        var expected = LossFixture.MeanPerSample(i => formula(f.Pred[i] - f.Eps[i]));
        Tensors.ToDoubles(perSample).Should().Equal(expected, (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void Compute_Mse_IsMeanOverBatchOfPerSampleMeans()
    {
        using var f = new LossFixture();
        using var loss = ((IDiffusionLoss)DiffusionLoss.Simple).Compute(f.Input(Parameterization.Epsilon));
        var expected = Enumerable.Range(0, 8).Average(i => Math.Pow(f.Pred[i] - f.Eps[i], 2));
        loss.dim().Should().Be(0);
        loss.item<double>().Should().BeApproximately(expected, Tol);
    }

    [Theory]
    [InlineData(ParameterizationKind.Epsilon)]
    [InlineData(ParameterizationKind.Sample)]
    [InlineData(ParameterizationKind.V)]
    public void PerSample_MinSnr_MatchesPaperFormulaForTarget(ParameterizationKind kind)
    {
        using var f = new LossFixture();
        const double gamma = 1.0; // caps sample 0 (SNR 16/9), not sample 1 (SNR 9/16)
        var loss = new DiffusionLoss(weighting: new MinSnrWeighting(gamma));
        using var perSample = loss.PerSample(f.Input(Parameterization.FromKind(kind)));
        var mse = LossFixture.MeanPerSample(i => Math.Pow(f.Pred[i] - f.Target(kind, i), 2));
        // Hang et al. 2023, table 1 (variance preserving): eps min(SNR, g)/SNR, x0 min(SNR, g), v min(SNR, g)/(SNR + 1).
        double Weight(int b)
        {
            var snr = f.Snr(b);
            var m = Math.Min(snr, gamma);
            return kind switch
            {
                ParameterizationKind.Epsilon => m / snr,
                ParameterizationKind.Sample => m,
                _ => m / (snr + 1),
            };
        }
        Tensors.ToDoubles(perSample).Should().Equal([Weight(0) * mse[0], Weight(1) * mse[1]], (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void Weights_MinSnrFlow_IsX0WeightTimesX0ErrorScale()
    {
        using var f = new LossFixture();
        using var alpha = tensor(new[] { 0.7, 0.25 }, ScalarType.Float64);
        using var sigma = tensor(new[] { 0.3, 0.75 }, ScalarType.Float64);
        using var w = new MinSnrWeighting(2.0).Weights(alpha, sigma, Parameterization.FlowVelocity);
        // x0 = x_t - sigma u with alpha + sigma = 1: the x0 error is sigma times the velocity error.
        double Expected(double a, double s) => Math.Min(a * a / (s * s), 2.0) * s * s;
        Tensors.ToDoubles(w).Should().Equal([Expected(0.7, 0.3), Expected(0.25, 0.75)], (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void Weights_MinSnrAtEnds_TakesExactLimits()
    {
        using var alpha = tensor(new[] { 0.0, 1.0 }, ScalarType.Float64);
        using var sigma = tensor(new[] { 1.0, 0.0 }, ScalarType.Float64);
        var weighting = new MinSnrWeighting(5.0);
        using var eps = weighting.Weights(alpha, sigma, Parameterization.Epsilon);
        using var x0 = weighting.Weights(alpha, sigma, Parameterization.Sample);
        using var v = weighting.Weights(alpha, sigma, Parameterization.V);
        Tensors.ToDoubles(eps).Should().Equal(1.0, 0.0);
        Tensors.ToDoubles(x0).Should().Equal(0.0, 5.0);
        Tensors.ToDoubles(v).Should().Equal(0.0, 0.0);
    }

    [Theory]
    [InlineData(ParameterizationKind.Epsilon, 1.0, 1.0)]
    [InlineData(ParameterizationKind.Epsilon, 0.5, 2.0)]
    [InlineData(ParameterizationKind.Sample, 1.0, 1.0)]
    [InlineData(ParameterizationKind.V, 0.5, 1.0)]
    public void PerSample_P2_MatchesEpsilonSpaceFormula(ParameterizationKind kind, double gamma, double k)
    {
        using var f = new LossFixture();
        var loss = new DiffusionLoss(weighting: new P2Weighting(gamma, k));
        using var perSample = loss.PerSample(f.Input(Parameterization.FromKind(kind)));
        var mse = LossFixture.MeanPerSample(i => Math.Pow(f.Pred[i] - f.Target(kind, i), 2));
        // Choi et al. 2022, eq. 8: weight 1/(k + SNR)^gamma on the eps loss; the eps error is (alpha / D) times the target error.
        double Weight(int b)
        {
            var (a, s, snr) = (f.Alpha[b], f.Sigma[b], f.Snr(b));
            var epsScale = kind switch
            {
                ParameterizationKind.Epsilon => 1.0,
                ParameterizationKind.Sample => a / s,
                _ => a / (a * a + s * s),
            };
            return epsScale * epsScale / Math.Pow(k + snr, gamma);
        }
        Tensors.ToDoubles(perSample).Should().Equal([Weight(0) * mse[0], Weight(1) * mse[1]], (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void PerSample_FrameMask_AveragesOnlyMaskedElements()
    {
        using var f = new LossFixture();
        // Frame mask [B, T]: sample 0 keeps frame 1 only (elements 2, 3); sample 1 keeps both frames.
        var mask = f.T([0.0, 1.0, 1.0, 1.0], 2, 2);
        var loss = new DiffusionLoss(ElementLoss.L1, new MinSnrWeighting(1.0));
        using var perSample = loss.PerSample(f.Input(Parameterization.Epsilon, mask));
        var d = Enumerable.Range(0, 8).Select(i => Math.Abs(f.Pred[i] - f.Eps[i])).ToArray();
        var w0 = Math.Min(f.Snr(0), 1.0) / f.Snr(0);
        var w1 = Math.Min(f.Snr(1), 1.0) / f.Snr(1);
        Tensors.ToDoubles(perSample).Should().Equal([w0 * (d[2] + d[3]) / 2, w1 * d.Skip(4).Average()], (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void PerSample_BroadcastMaskWithEmptySample_GivesZeroForThatSample()
    {
        using var f = new LossFixture();
        // [B, 1, 1, 1, W]: sample 0 keeps column 0 of both frames, sample 1 nothing.
        var mask = f.T([1.0, 0.0, 0.0, 0.0], 2, 1, 1, 1, 2);
        using var perSample = DiffusionLoss.Simple.PerSample(f.Input(Parameterization.Sample, mask));
        var expected0 = (Math.Pow(f.Pred[0] - f.X0[0], 2) + Math.Pow(f.Pred[2] - f.X0[2], 2)) / 2;
        Tensors.ToDoubles(perSample).Should().Equal([expected0, 0.0], (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void PerSample_ReconstructionNoise_EqualsX0PlusLambdaEpsMse()
    {
        using var f = new LossFixture();
        const double lambda = 0.25;
        using var perSample = new ReconstructionNoiseLoss(lambda).PerSample(f.Input(Parameterization.Epsilon));
        // eps prediction: x0_hat = (x_t - sigma * pred) / alpha, eps_hat = pred.
        double Term(int i)
        {
            var (a, s) = (f.Alpha[i / 4], f.Sigma[i / 4]);
            var x0Hat = (f.Xt(i) - s * f.Pred[i]) / a;
            return Math.Pow(x0Hat - f.X0[i], 2) + lambda * Math.Pow(f.Pred[i] - f.Eps[i], 2);
        }
        Tensors.ToDoubles(perSample).Should().Equal(LossFixture.MeanPerSample(Term), (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void PerSample_ReconstructionNoiseWithVAndMask_UsesDenoisedEstimates()
    {
        using var f = new LossFixture();
        var mask = f.T([1.0, 0.0, 0.0, 1.0], 2, 2);
        using var perSample = new ReconstructionNoiseLoss(2.0, ElementLoss.L1).PerSample(f.Input(Parameterization.V, mask));
        // v prediction (alpha^2 + sigma^2 = 1): x0_hat = alpha x_t - sigma v, eps_hat = sigma x_t + alpha v.
        double Term(int i)
        {
            var (a, s) = (f.Alpha[i / 4], f.Sigma[i / 4]);
            var x0Hat = a * f.Xt(i) - s * f.Pred[i];
            var epsHat = s * f.Xt(i) + a * f.Pred[i];
            return Math.Abs(x0Hat - f.X0[i]) + 2.0 * Math.Abs(epsHat - f.Eps[i]);
        }
        double[] expected = [(Term(0) + Term(1)) / 2, (Term(6) + Term(7)) / 2];
        Tensors.ToDoubles(perSample).Should().Equal(expected, (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void Compute_Backward_GradientIsTwiceDifferenceOverCount()
    {
        using var f = new LossFixture();
        var input = f.Input(Parameterization.Epsilon);
        using var pred = f.T(f.Pred, LossFixture.Shape).requires_grad_(true);
        using var loss = ((IDiffusionLoss)DiffusionLoss.Simple).Compute(input with { Prediction = pred });
        loss.backward();
        var expected = Enumerable.Range(0, 8).Select(i => 2 * (f.Pred[i] - f.Eps[i]) / 8).ToArray();
        Tensors.ToDoubles(pred.grad!).Should().Equal(expected, (a, e) => Math.Abs(a - e) < Tol);
    }

    [Fact]
    public void PerSample_TargetShapeMismatch_ThrowsNamingShapes()
    {
        using var f = new LossFixture();
        var input = f.Input(Parameterization.Epsilon) with { Noise = f.T(new double[4], 1, 1, 2, 1, 2) };
        var act = () => DiffusionLoss.Simple.PerSample(input);
        act.Should().Throw<ArgumentException>().WithParameterName("Noise").WithMessage("*[2, 1, 2, 1, 2]*[1, 1, 2, 1, 2]*");
    }

    [Fact]
    public void PerSample_BadMaskOrLevels_Throw()
    {
        using var f = new LossFixture();
        var badMask = f.Input(Parameterization.Epsilon, f.T(new double[3], 3, 1));
        var badSigma = f.Input(Parameterization.Epsilon) with { Sigma = f.T(new double[3], 3) };
        FluentActions.Invoking(() => DiffusionLoss.Simple.PerSample(badMask)).Should().Throw<ArgumentException>().WithParameterName("Mask").WithMessage("*[B, T]*[3, 1]*");
        FluentActions.Invoking(() => DiffusionLoss.Simple.PerSample(badSigma)).Should().Throw<ArgumentException>().WithParameterName("Sigma").WithMessage("*[3]*");
    }

    [Fact]
    public void Factories_InvalidParameters_Throw()
    {
        FluentActions.Invoking(() => ElementLoss.Huber(0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("delta");
        FluentActions.Invoking(() => ElementLoss.PseudoHuber(double.NaN)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("c");
        FluentActions.Invoking(() => new MinSnrWeighting(-1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("gamma");
        FluentActions.Invoking(() => new P2Weighting(1, 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("k");
        FluentActions.Invoking(() => new ReconstructionNoiseLoss(-0.1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("lambda");
    }

    [Fact]
    public void Compute_Repeated_LeaksNoTensors()
    {
        using var f = new LossFixture();
        var input = f.Input(Parameterization.V, f.T([1.0, 0.0, 1.0, 1.0], 2, 2));
        IDiffusionLoss[] losses = [new DiffusionLoss(ElementLoss.Huber(), new MinSnrWeighting()), new ReconstructionNoiseLoss(), new DiffusionLoss(weighting: new P2Weighting())];
        foreach (var loss in losses)
        {
            loss.Compute(input).Dispose();
            LiveTensors.Growth(() =>
            {
                for (var i = 0; i < 5; i++)
                {
                    loss.Compute(input).Dispose();
                }
            }).Should().Be(0, loss.Description);
        }
    }
}
