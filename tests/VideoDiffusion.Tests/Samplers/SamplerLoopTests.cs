using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>The loop contract shared by all samplers: argument checks, the callback, the context and the conveniences.</summary>
public sealed class SamplerLoopTests
{
    private static readonly GaussianDenoiser Gaussian = new(0.3, 0.6);

    [Fact]
    public void Step_StateOfAnotherSampler_Throws()
    {
        var plan = TestPlans.Trailing(5);
        using var state = KnownSamplers.Ddim.Begin(plan);
        using var x = zeros([1, 1, 2, 2, 2]);
        var act = () => KnownSamplers.Euler.Step(Gaussian, x, state);
        act.Should().Throw<ArgumentException>().WithParameterName("state").WithMessage("*DDIM*Euler*");
    }

    [Fact]
    public void Sample_StochasticWithoutGenerators_ThrowsNamingContext()
    {
        using var x = zeros([2, 1, 2, 2, 2]);
        var act = () => KnownSamplers.Ddpm.Sample(Gaussian, x, TestPlans.Trailing(5));
        act.Should().Throw<ArgumentException>().WithParameterName("context");
        using var three = SamplingContext.FromSeeds([1, 2, 3]);
        var mismatch = () => KnownSamplers.Ddpm.Sample(Gaussian, x, TestPlans.Trailing(5), three);
        mismatch.Should().Throw<ArgumentException>().WithMessage("*1 generator or one per clip (B = 2), got 3*");
    }

    [Fact]
    public void Sample_NotAVideoBatch_ThrowsQuotingPattern()
    {
        using var x = zeros([2, 8]);
        var act = () => KnownSamplers.Ddim.Sample(Gaussian, x, TestPlans.Trailing(5));
        act.Should().Throw<ArgumentException>().WithParameterName("x").WithMessage("*[B, C, T, H, W]*[2, 8]*");
    }

    [Fact]
    public void Begin_PlanEvaluatingAtCleanData_Throws()
    {
        // Linspace spacing puts a step at t = 0, which is clean data on rectified flow.
        var plan = SamplingPlan.Create(TestPlans.RectifiedFlow, 10, TimestepSpacing.Linspace);
        var act = () => KnownSamplers.Ddim.Begin(plan);
        act.Should().Throw<ArgumentException>().WithParameterName("plan").WithMessage("*level 9*");
    }

    [Fact]
    public void Sample_Callback_SeesEveryStepWithItsLevels()
    {
        var plan = TestPlans.Trailing(8);
        var seen = new List<SamplingProgress>();
        var x0s = new List<double[]>();
        var context = new SamplingContext { Callback = p => { seen.Add(p); x0s.Add(Tensors.ToDoubles(p.Denoised)); return null; } };
        using var xT = TestPlans.Normal(1, ScalarType.Float32, 1, 1, 2, 2, 2);
        using var x = KnownSamplers.DpmSolverPlusPlus2M.Sample(Gaussian, xT, plan, context);
        seen.Select(p => p.Step).Should().Equal(Enumerable.Range(0, 8));
        seen.Should().OnlyContain(p => p.Steps == 8 && p.Level == plan[p.Step] && p.NextLevel == plan[p.Step + 1]);
        // The last step to data returns x0_hat itself.
        Tensors.ToDoubles(x).Should().Equal(x0s[^1]);
    }

    [Fact]
    public void Sample_CallbackReplacesSample_LoopContinuesFromReplacement()
    {
        var plan = TestPlans.Trailing(10);
        using var xT = TestPlans.Normal(1, ScalarType.Float32, 2, 1, 2, 2, 2);
        var context = new SamplingContext { Callback = p => p.Step == 4 ? zeros_like(p.Sample) : null };
        using var replaced = KnownSamplers.Ddim.Sample(Gaussian, xT, plan, context);
        using var state = KnownSamplers.Ddim.Begin(plan);
        var x = xT.clone();
        while (!state.IsComplete)
        {
            var next = KnownSamplers.Ddim.Step(Gaussian, x, state);
            x.Dispose();
            x = state.StepIndex == 5 ? zeros_like(next) : next;
        }
        using (x)
        {
            Tensors.MaxAbsDiff(x, replaced).Should().Be(0);
        }
        var bad = new SamplingContext { Callback = p => zeros([3]) };
        var act = () => KnownSamplers.Ddim.Sample(Gaussian, xT, plan, bad);
        act.Should().Throw<InvalidOperationException>().WithMessage("*[2, 1, 2, 2, 2]*[3]*");
    }

    [Fact]
    public void UniPC_CallbackReplacement_IsKeptByTheCorrector()
    {
        // On a point mass every estimate is the clip, so UniC's correction is zero: after a replacement R at step k the
        // next step must be the first-order step from R, not a correction back towards the unreplaced prediction.
        using var clip = TestPlans.Normal(2, ScalarType.Float64, 1, 1, 2, 2, 2);
        var denoiser = new PointMassDenoiser(clip);
        var plan = TestPlans.Trailing(10);
        using var xT = TestPlans.Normal(3, ScalarType.Float64, 1, 1, 2, 2, 2) * plan[0].Sigma;
        using var r = TestPlans.Normal(4, ScalarType.Float64, 1, 1, 2, 2, 2);
        Tensor? afterNext = null;
        var context = new SamplingContext
        {
            Callback = p =>
            {
                if (p.Step == 5)
                {
                    afterNext = p.Sample.clone().DetachFromDisposeScope();
                }
                return p.Step == 4 ? r.clone() : null;
            },
        };
        KnownSamplers.UniPC.Sample(denoiser, xT, plan, context).Dispose();
        using var expected = r * (plan[6].Sigma / plan[5].Sigma) + clip * (plan[6].Alpha - plan[5].Alpha * plan[6].Sigma / plan[5].Sigma);
        using (afterNext)
        {
            Tensors.MaxAbsDiff(afterNext!, expected).Should().BeLessThan(1e-12);
        }
    }

    [Fact]
    public async Task SampleAsync_EqualsSample()
    {
        var plan = TestPlans.Trailing(10);
        using var xT = TestPlans.Normal(5, ScalarType.Float32, 2, 1, 2, 2, 2);
        using var expected = KnownSamplers.Heun.Sample(Gaussian, xT, plan);
        using var actual = await KnownSamplers.Heun.SampleAsync(Gaussian, xT, plan);
        Tensors.ToDoubles(actual).Should().Equal(Tensors.ToDoubles(expected));
    }

    [Fact]
    public void Generate_DrawsSigmaTimesNoiseFromTheContext()
    {
        var plan = TestPlans.Trailing(10, TestPlans.CosineZeroTerminalSnr);
        using var c1 = SamplingContext.FromSeeds([8, 9]);
        using var generated = KnownSamplers.UniPC.Generate(Gaussian, [2, 1, 2, 2, 2], plan, c1);
        using var c2 = SamplingContext.FromSeeds([8, 9]);
        using var noise = c2.DrawNoise([2, 1, 2, 2, 2]);
        using var xT = noise * plan[0].Sigma;
        using var expected = KnownSamplers.UniPC.Sample(Gaussian, xT, plan);
        Tensors.ToDoubles(generated).Should().Equal(Tensors.ToDoubles(expected));
    }

    [Fact]
    public void DrawNoise_PerClipGenerators_ClipEqualsItsGeneratorAlone()
    {
        using var batch = SamplingContext.FromSeeds([4, 5, 6]);
        using var drawn = batch.DrawNoise([3, 2, 3, 4, 4], ScalarType.Float64);
        using var alone = SamplingContext.FromSeeds([5]);
        using var single = alone.DrawNoise([1, 2, 3, 4, 4], ScalarType.Float64);
        using var clip = drawn.narrow(0, 1, 1);
        Tensors.MaxAbsDiff(clip, single).Should().Be(0);
        var none = () => SamplingContext.FromSeeds([]);
        none.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void KnownSamplers_All_HaveDistinctNamesAndDocumentedOrders()
    {
        KnownSamplers.All.Select(s => s.Name).Should().OnlyHaveUniqueItems();
        KnownSamplers.All.ToDictionary(s => s.Name, s => s.Order).Should().Equal(new Dictionary<string, int>
        {
            ["DDPM"] = 1, ["DDIM"] = 1, ["Euler"] = 1, ["Euler ancestral"] = 1, ["Heun"] = 2, ["DPM-Solver++(2M)"] = 2,
            ["DPM-Solver++(3M)"] = 3, ["DPM-Solver++(2M) SDE"] = 2, ["UniPC(bh2, p=2)"] = 3, ["Flow Euler"] = 1,
        });
        KnownSamplers.Heun.EvaluationsPerStep.Should().Be(2);
    }

    [Fact]
    public void Constructors_OptionsOutOfRange_Throw()
    {
        new Action[]
        {
            () => _ = new DdimSampler(-0.1),
            () => _ = new DdimSampler(1.5),
            () => _ = new EulerAncestralSampler(2),
            () => _ = new DpmSolverPlusPlusSampler(4),
            () => _ = new DpmSolverPlusPlusSdeSampler(-1),
            () => _ = new UniPCSampler(0),
            () => _ = new HeunSampler(new KarrasChurn { Churn = -1 }),
            () => _ = new EulerSampler(new KarrasChurn { TMin = 2, TMax = 1 }),
            () => _ = new DdimInversion(-1),
        }.Should().AllSatisfy(a => a.Should().Throw<ArgumentOutOfRangeException>());
    }
}
