using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>
/// The multistep formulas are exact on x0 estimates that are polynomials in lambda of degree below their order, once
/// the history is full: the check that pins every coefficient (including the third-order term of 3M, see
/// <see cref="DpmSolverPlusPlusSampler"/>).
/// </summary>
public sealed class DpmSolverPlusPlusFormulaTests
{
    /// <summary>Runs the plan step by step and returns, per step, |x_(i+1) - exact step from x_i|.</summary>
    private static double[] StepErrors(ISampler sampler, PolynomialInLambdaDenoiser denoiser, int steps)
    {
        var plan = TestPlans.LambdaUniform(steps);
        using var state = sampler.Begin(plan);
        var x = full([1, 1, 1, 1, 1], 0.7, ScalarType.Float64);
        var errors = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var value = Tensors.ToDoubles(x)[0];
            var next = sampler.Step(denoiser, x, state);
            errors[i] = Math.Abs(Tensors.ToDoubles(next)[0] - denoiser.ExactStep(value, plan[i], plan[i + 1]));
            x.Dispose();
            x = next;
        }
        x.Dispose();
        return errors;
    }

    [Fact]
    public void SecondOrderMidpoint_LinearInLambda_MissesByTheMidpointDefectOnly()
    {
        // 2M approximates the linear term alpha_t (h - phi_1) x0' h / h by alpha_t phi_1 h x0' / 2 (Lu et al. 2022b,
        // Algorithm 2): with x0 = a + b lambda its step error is exactly alpha_t b |h - phi_1 - h phi_1 / 2|.
        const double slope = -0.3;
        var plan = TestPlans.LambdaUniform(16);
        var expected = Enumerable.Range(1, 15).Select(i =>
        {
            var h = plan[i + 1].Lambda - plan[i].Lambda;
            var phi = -double.ExpM1(-h);
            return plan[i + 1].Alpha * Math.Abs(slope) * Math.Abs(h - phi - h * phi / 2);
        }).ToArray();
        foreach (var sampler in new ISampler[] { new DpmSolverPlusPlusSampler(2, lowerOrderFinal: false), new DpmSolverPlusPlusSdeSampler(eta: 0, lowerOrderFinal: false) })
        {
            var errors = StepErrors(sampler, new PolynomialInLambdaDenoiser(0.2, slope, 0), 16);
            errors.Skip(1).Should().Equal(expected, (e, x) => Math.Abs(e - x) < 1e-12, sampler.Name);
        }
    }

    [Fact]
    public void SecondOrderHeunSde_LinearInLambda_ExactFromTheSecondStep()
    {
        var sampler = new DpmSolverPlusPlusSdeSampler(eta: 0, solverType: DpmSolverSdeSolverType.Heun, lowerOrderFinal: false);
        var errors = StepErrors(sampler, new PolynomialInLambdaDenoiser(0.2, -0.3, 0), 16);
        errors[0].Should().BeGreaterThan(1e-6, "the first step is first order");
        errors.Skip(1).Should().OnlyContain(e => e < 1e-12);
    }

    [Fact]
    public void ThirdOrder_QuadraticInLambda_ExactFromTheThirdStep()
    {
        var errors = StepErrors(new DpmSolverPlusPlusSampler(3, lowerOrderFinal: false), new PolynomialInLambdaDenoiser(0.2, -0.3, 0.05), 16);
        errors[1].Should().BeGreaterThan(1e-6, "the second step is second order");
        errors.Skip(2).Should().OnlyContain(e => e < 1e-12);
    }
}
