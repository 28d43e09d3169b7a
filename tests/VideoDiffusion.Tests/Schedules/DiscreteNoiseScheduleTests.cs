using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Schedules;

public class DiscreteNoiseScheduleTests
{
    // Independent evaluation of the published formulas (plain loops, no library code).
    private static double[] CumprodOf(Func<int, double> beta, int n)
    {
        var result = new double[n];
        var p = 1.0;
        for (var i = 0; i < n; i++)
        {
            p *= 1 - beta(i);
            result[i] = p;
        }
        return result;
    }

    [Fact]
    public void Linear_AlphasCumprod_MatchesDdpmFormula()
    {
        var schedule = DiscreteNoiseSchedule.Linear();
        var expected = CumprodOf(i => 1e-4 + i * (0.02 - 1e-4) / 999, 1000);

        schedule.AlphasCumprod[0].Should().BeApproximately(0.9999, 1e-15);
        schedule.AlphasCumprod[999].Should().BeApproximately(expected[999], 1e-15 * expected[999] + 1e-18);
        schedule.AlphasCumprod[999].Should().BeApproximately(4.0358e-5, 1e-8); // DDPM's well-known final value
        schedule.Alpha(500).Should().BeApproximately(Math.Sqrt(expected[500]), 1e-14);
        schedule.Sigma(500).Should().BeApproximately(Math.Sqrt(1 - expected[500]), 1e-14);
    }

    [Fact]
    public void ScaledLinear_LastAlphaCumprod_MatchesStableDiffusion()
    {
        var schedule = (DiscreteNoiseSchedule)KnownNoiseSchedules.ScaledLinear.Build();
        double s0 = Math.Sqrt(0.00085), s1 = Math.Sqrt(0.012);
        var expected = CumprodOf(i => Math.Pow(s0 + i * (s1 - s0) / 999, 2), 1000);

        schedule.AlphasCumprod[999].Should().BeApproximately(expected[999], 1e-15);
        // Lin et al. 2023, Table 1: Stable Diffusion's sqrt(abar_T) = 0.068265 (terminal SNR 0.004682).
        Math.Sqrt(schedule.AlphasCumprod[999]).Should().BeApproximately(0.068265, 1e-6);
        schedule.AlphasCumprod[0].Should().BeApproximately(1 - 0.00085, 1e-15);
    }

    [Fact]
    public void Cosine_Endpoints_MatchNicholDhariwal()
    {
        var schedule = DiscreteNoiseSchedule.Cosine();
        static double F(double u) => Math.Pow(Math.Cos((u + 0.008) / 1.008 * Math.PI / 2), 2);
        var expected = CumprodOf(i => Math.Min(1 - F((i + 1) / 1000.0) / F(i / 1000.0), 0.999), 1000);

        schedule.AlphasCumprod[0].Should().BeApproximately(F(0.001) / F(0), 1e-14);
        schedule.AlphasCumprod[999].Should().BeApproximately(expected[999], 1e-20);
        schedule.Betas[999].Should().Be(0.999); // clipped: 1 - F(1)/F(0.999) = 1 exactly
        schedule.Betas.Max().Should().BeLessThanOrEqualTo(0.999);
    }

    [Fact]
    public void Sigmoid_Betas_FollowSigmoidOfLinspace()
    {
        var schedule = (DiscreteNoiseSchedule)KnownNoiseSchedules.Sigmoid.Build();
        var betas = schedule.Betas;
        static double Expected(int i) => 1 / (1 + Math.Exp(-(-6 + 12.0 * i / 999))) * (0.02 - 1e-4) + 1e-4;
        betas[0].Should().BeApproximately(Expected(0), 1e-15);
        betas[500].Should().BeApproximately(Expected(500), 1e-13);
        betas[999].Should().BeApproximately(Expected(999), 1e-13);
    }

    [Fact]
    public void Uniform_BetaIsProportionalToT()
    {
        var schedule = (DiscreteNoiseSchedule)(KnownNoiseSchedules.Uniform with { TrainSteps = 100, BetaEnd = 0.05 }).Build();
        var betas = schedule.Betas;
        betas[0].Should().BeApproximately(0.05 / 100, 1e-15);
        betas[49].Should().BeApproximately(0.05 * 50 / 100, 1e-15);
        betas[99].Should().BeApproximately(0.05, 1e-15);
    }

    [Fact]
    public void LogLinearSnr_LogSnrIsLinearInT()
    {
        var schedule = KnownNoiseSchedules.LogLinearSnr.Build();
        schedule.LogSnr(0).Should().BeApproximately(10, 1e-9);
        schedule.LogSnr(999).Should().BeApproximately(-10, 1e-9);
        schedule.LogSnr(333).Should().BeApproximately(10 - 20.0 * 333 / 999, 1e-9);
    }

    public static TheoryData<string> AllKinds => new()
    {
        nameof(KnownNoiseSchedules.Linear), nameof(KnownNoiseSchedules.ScaledLinear), nameof(KnownNoiseSchedules.Cosine),
        nameof(KnownNoiseSchedules.Sigmoid), nameof(KnownNoiseSchedules.Uniform), nameof(KnownNoiseSchedules.LogLinearSnr),
        nameof(KnownNoiseSchedules.CosineZeroTerminalSnr), nameof(KnownNoiseSchedules.RectifiedFlow),
    };

    private static INoiseSchedule Known(string name) =>
        ((NoiseScheduleOptions)typeof(KnownNoiseSchedules).GetProperty(name)!.GetValue(null)!).Build();

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void LogSnr_IsStrictlyDecreasing_OnIntegerAndHalfSteps(string name)
    {
        var schedule = Known(name);
        var previous = double.PositiveInfinity;
        for (var t = 0.0; t <= schedule.MaxTimestep; t += 0.5)
        {
            var logSnr = schedule.LogSnr(t);
            if (!(t == 0 && double.IsPositiveInfinity(logSnr)))
            {
                logSnr.Should().BeLessThan(previous, $"log-SNR must decrease at t = {t}");
            }
            previous = logSnr;
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TimestepOf_InvertsLogSnr_ForFractionalTimesteps(string name)
    {
        var schedule = Known(name);
        var rng = new Random(1234);
        for (var k = 0; k < 200; k++)
        {
            var t = 0.01 + rng.NextDouble() * (schedule.MaxTimestep - 0.02);
            schedule.TimestepOf(schedule.LogSnr(t)).Should().BeApproximately(t, 1e-7);
        }
    }

    [Fact]
    public void Level_FractionalTimestep_InterpolatesLogSigma()
    {
        var schedule = DiscreteNoiseSchedule.Linear();
        var lo = schedule.Level(400);
        var hi = schedule.Level(401);
        var mid = schedule.Level(400.25);
        Math.Log(mid.VeSigma).Should().BeApproximately(0.75 * Math.Log(lo.VeSigma) + 0.25 * Math.Log(hi.VeSigma), 1e-12);
        (mid.Alpha * mid.Alpha + mid.Sigma * mid.Sigma).Should().BeApproximately(1, 1e-14);
    }

    [Fact]
    public void ZeroTerminalSnr_EndsAtExactlyZeroSnr_AndKeepsFirstStep()
    {
        var plain = DiscreteNoiseSchedule.ScaledLinear();
        var rescaled = (DiscreteNoiseSchedule)(KnownNoiseSchedules.ScaledLinear with { ZeroTerminalSnr = true }).Build();

        rescaled.AlphasCumprod[999].Should().Be(0);
        rescaled.HasZeroTerminalSnr.Should().BeTrue();
        rescaled.LogSnr(999).Should().Be(double.NegativeInfinity);
        rescaled.Alpha(999).Should().Be(0);
        rescaled.Sigma(999).Should().Be(1);
        rescaled.LogSnr(0).Should().BeApproximately(plain.LogSnr(0), 1e-12);
        rescaled.Betas[999].Should().Be(1);

        // Lin et al. Algorithm 1, evaluated independently at an interior step.
        var a = plain.AlphasCumprod.Select(Math.Sqrt).ToArray();
        var expected = Math.Pow((a[500] - a[999]) * a[0] / (a[0] - a[999]), 2);
        rescaled.AlphasCumprod[500].Should().BeApproximately(expected, 1e-15);
    }

    [Fact]
    public void ZeroTerminalSnr_FractionalTimestepNearEnd_InterpolatesAlpha()
    {
        var schedule = KnownNoiseSchedules.CosineZeroTerminalSnr.Build();
        var level = schedule.Level(998.5);
        level.Alpha.Should().BeApproximately(0.5 * schedule.Alpha(998), 1e-15);
        schedule.TimestepOf(level.LogSnr).Should().BeApproximately(998.5, 1e-9);
    }

    [Fact]
    public void LogSnrShift_SubtractsTwiceLogFactor()
    {
        var plain = DiscreteNoiseSchedule.Cosine();
        var shifted = (KnownNoiseSchedules.Cosine with { LogSnrShift = 2 }).Build();
        foreach (var t in new[] { 0.0, 250, 500.5, 998 })
        {
            shifted.LogSnr(t).Should().BeApproximately(plain.LogSnr(t) - 2 * Math.Log(2), 1e-9);
        }
    }

    [Fact]
    public void FromBetas_RejectsNegativeBeta_NamingTheIndex()
    {
        var act = () => DiscreteNoiseSchedule.FromBetas([0.1, -0.2, 0.3]);
        act.Should().Throw<ArgumentException>().WithParameterName("betas").WithMessage("*beta[1] = -0.2*");
    }

    [Fact]
    public void FromBetas_RejectsDecreasingBetas()
    {
        var act = () => DiscreteNoiseSchedule.FromBetas([0.1, 0.3, 0.2]);
        act.Should().Throw<ArgumentException>().WithMessage("*non-decreasing*beta[1] = 0.3 > beta[2] = 0.2*");
    }

    [Fact]
    public void Options_RejectOutOfRangeValues()
    {
        FluentActions.Invoking(() => (KnownNoiseSchedules.Linear with { TrainSteps = 1 }).Build())
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("TrainSteps");
        FluentActions.Invoking(() => (KnownNoiseSchedules.Linear with { BetaStart = 0.5, BetaEnd = 0.1 }).Build())
            .Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => (KnownNoiseSchedules.Linear with { LogSnrShift = 0 }).Build())
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("LogSnrShift");
        FluentActions.Invoking(() => (KnownNoiseSchedules.Linear with { FlowShift = 3 }).Build())
            .Should().Throw<ArgumentException>().WithParameterName("FlowShift");
        FluentActions.Invoking(() => (KnownNoiseSchedules.RectifiedFlow with { ZeroTerminalSnr = true }).Build())
            .Should().Throw<ArgumentException>().WithParameterName("ZeroTerminalSnr");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(999.5)]
    [InlineData(double.NaN)]
    public void Level_TimestepOutOfRange_Throws(double t)
    {
        var schedule = DiscreteNoiseSchedule.Linear();
        FluentActions.Invoking(() => schedule.Level(t)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("t");
    }

    [Fact]
    public void Description_NamesKindAndModifiers()
    {
        (KnownNoiseSchedules.Cosine with { ZeroTerminalSnr = true, LogSnrShift = 2 }).Build().Description
            .Should().Be("Cosine(trainSteps=1000, s=0.008, maxBeta=0.999) + ZeroTerminalSnr + LogSnrShift(2)");
    }
}
