using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;
using Xunit.Abstractions;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>
/// Samplers that are the same update in different coordinates or forms must agree step for step: this is what makes
/// the (alpha, sigma) formulation trustworthy.
/// </summary>
public sealed class SamplerEquivalenceTests(ITestOutputHelper output)
{
    private static readonly GaussianDenoiser Gaussian = new(0.3, 0.6);

    /// <summary>Runs two samplers side by side with identically seeded contexts; returns the largest difference per step.</summary>
    private static double[] StepForStep(ISampler a, ISampler b, SamplingPlan plan, Func<Tensor, int, Tensor>? mapB = null, SamplingPlan? planB = null, Tensor? xTb = null)
    {
        using var xT = TestPlans.Normal(21, ScalarType.Float32, 4, 1, 2, 2, 2) * plan[0].Sigma;
        using var ca = SamplingContext.FromSeeds([1, 2, 3, 4]);
        using var cb = SamplingContext.FromSeeds([1, 2, 3, 4]);
        using var sa = a.Begin(plan);
        using var sb = b.Begin(planB ?? plan);
        var xa = xT.clone();
        var xb = xTb?.clone() ?? xT.clone();
        var differences = new double[plan.Steps];
        for (var i = 0; i < plan.Steps; i++)
        {
            var na = a.Step(Gaussian, xa, sa, ca);
            var nb = b.Step(Gaussian, xb, sb, cb);
            xa.Dispose();
            xb.Dispose();
            (xa, xb) = (na, nb);
            using var mapped = mapB is null ? xb.alias() : mapB(xb, i + 1);
            differences[i] = Tensors.MaxAbsDiff(xa, mapped);
        }
        xa.Dispose();
        xb.Dispose();
        return differences;
    }

    [Fact]
    public void Ddim_Euler_FlowEulerOnRectifiedFlow_AgreeStepForStep()
    {
        var plan = TestPlans.Trailing(20);
        StepForStep(KnownSamplers.Ddim, KnownSamplers.Euler, plan).Max().Should().BeLessThan(1e-5);

        // The corresponding rectified-flow problem: t = sigma / (alpha + sigma), x^ = x / (alpha + sigma).
        var flow = TestPlans.RectifiedFlow;
        var flowPlan = SamplingPlan.FromTimesteps(flow, plan.Take(plan.Steps).Select(l => flow.MaxTimestep * l.Sigma / (l.Alpha + l.Sigma)));
        for (var i = 0; i <= plan.Steps; i++)
        {
            var scale = plan[i].Alpha + plan[i].Sigma;
            flowPlan[i].Sigma.Should().BeApproximately(plan[i].Sigma / scale, 1e-12);
        }
        using var xT = TestPlans.Normal(21, ScalarType.Float32, 4, 1, 2, 2, 2) * plan[0].Sigma;
        using var xTFlow = xT / (plan[0].Alpha + plan[0].Sigma);
        var differences = StepForStep(KnownSamplers.Ddim, KnownSamplers.FlowEuler, plan,
            (x, i) => x * (plan[i].Alpha + plan[i].Sigma), flowPlan, xTFlow);
        output.WriteLine($"DDIM vs flow Euler: max step difference {differences.Max():E2}");
        differences.Max().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void DdpmSmall_DdimEtaOne_EulerAncestral_AgreeStepForStep()
    {
        var plan = TestPlans.Trailing(25);
        StepForStep(KnownSamplers.Ddpm, new DdimSampler(eta: 1), plan).Max().Should().BeLessThan(1e-5);
        StepForStep(KnownSamplers.Ddpm, KnownSamplers.EulerAncestral, plan).Max().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void DpmSolverSdeEtaZero_EqualsDpmSolver2M()
    {
        var plan = TestPlans.Trailing(25);
        StepForStep(KnownSamplers.DpmSolverPlusPlus2M, new DpmSolverPlusPlusSdeSampler(eta: 0), plan).Max().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void UniPBh2Order2WithoutCorrector_EqualsDpmSolver2M()
    {
        // With B(h) = e^h - 1 and rho = 1/2, UniP-2 is DPM-Solver++(2M) (Zhao et al. 2023, section 3.3).
        var plan = TestPlans.Trailing(25);
        StepForStep(KnownSamplers.DpmSolverPlusPlus2M, new UniPCSampler(useCorrector: false), plan).Max().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void DpmSolverPlusPlusOrderOne_EqualsDdim()
    {
        var plan = TestPlans.Trailing(25);
        StepForStep(KnownSamplers.Ddim, new DpmSolverPlusPlusSampler(order: 1), plan).Max().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void FlowEuler_RectifiedFlowPlan_ConvergesAtFirstOrder()
    {
        var denoiser = new GaussianDenoiser(0.3, 0.5);
        using var z = TestPlans.Normal(12, ScalarType.Float64, 8, 1, 2, 2, 2);
        var errors = new List<double>();
        foreach (var steps in new[] { 10, 20, 40 })
        {
            var plan = SamplingPlan.Create(TestPlans.RectifiedFlow, steps, TimestepSpacing.FlowShift, new SamplingPlanOptions { FlowShift = 1 });
            using var xT = denoiser.Marginal(z, plan[0]);
            using var exact = denoiser.Marginal(z, plan[^1]);
            using var x = KnownSamplers.FlowEuler.Sample(denoiser, xT, plan);
            errors.Add(Tensors.MaxAbsDiff(x, exact));
        }
        output.WriteLine($"Flow Euler on rectified flow: errors {errors[0]:E3}, {errors[1]:E3}, {errors[2]:E3}; slopes {Math.Log2(errors[0] / errors[1]):F2}, {Math.Log2(errors[1] / errors[2]):F2}");
        errors.Should().BeInDescendingOrder();
        Math.Log2(errors[1] / errors[2]).Should().BeGreaterThanOrEqualTo(0.8);
    }
}
