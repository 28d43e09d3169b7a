using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Schedules;

public class SamplingPlanTests
{
    private static readonly INoiseSchedule Linear = DiscreteNoiseSchedule.Linear();

    // Documented values (diffusers' timestep_spacing; Lin et al. 2023, Table 2) for T = 1000.
    public static TheoryData<TimestepSpacing, int, int[]> Documented => new()
    {
        { TimestepSpacing.Trailing, 10, [999, 899, 799, 699, 599, 499, 399, 299, 199, 99] },
        { TimestepSpacing.Leading, 10, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0] },
        { TimestepSpacing.Linspace, 10, [999, 888, 777, 666, 555, 444, 333, 222, 111, 0] },
        { TimestepSpacing.Trailing, 25, [999, 959, 919, 879, 839, 799, 759, 719, 679, 639, 599, 559, 519, 479, 439, 399, 359, 319, 279, 239, 199, 159, 119, 79, 39] },
        { TimestepSpacing.Leading, 25, [960, 920, 880, 840, 800, 760, 720, 680, 640, 600, 560, 520, 480, 440, 400, 360, 320, 280, 240, 200, 160, 120, 80, 40, 0] },
        { TimestepSpacing.Linspace, 25, [999, 957, 916, 874, 832, 791, 749, 708, 666, 624, 583, 541, 500, 458, 416, 375, 333, 291, 250, 208, 166, 125, 83, 42, 0] },
        { TimestepSpacing.Trailing, 50, [999, 979, 959, 939, 919, 899, 879, 859, 839, 819, 799, 779, 759, 739, 719, 699, 679, 659, 639, 619, 599, 579, 559, 539, 519, 499, 479, 459, 439, 419, 399, 379, 359, 339, 319, 299, 279, 259, 239, 219, 199, 179, 159, 139, 119, 99, 79, 59, 39, 19] },
        { TimestepSpacing.Leading, 50, [980, 960, 940, 920, 900, 880, 860, 840, 820, 800, 780, 760, 740, 720, 700, 680, 660, 640, 620, 600, 580, 560, 540, 520, 500, 480, 460, 440, 420, 400, 380, 360, 340, 320, 300, 280, 260, 240, 220, 200, 180, 160, 140, 120, 100, 80, 60, 40, 20, 0] },
        { TimestepSpacing.Linspace, 50, [999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754, 734, 714, 693, 673, 652, 632, 612, 591, 571, 550, 530, 510, 489, 469, 449, 428, 408, 387, 367, 347, 326, 306, 285, 265, 245, 224, 204, 183, 163, 143, 122, 102, 82, 61, 41, 20, 0] },
    };

    [Theory]
    [MemberData(nameof(Documented))]
    public void Create_IntegerSpacings_GiveDocumentedTimesteps(TimestepSpacing spacing, int steps, int[] expected)
    {
        var plan = SamplingPlan.Create(Linear, steps, spacing);
        plan.Timesteps.Should().Equal(expected.Select(t => (double)t));
        plan.Steps.Should().Be(steps);
        plan[^1].Should().Be(NoiseLevel.Data);
        plan[0].Should().Be(Linear.Level(expected[0]));
    }

    [Fact]
    public void Create_LeadingWithOffset_ShiftsEveryTimestep()
    {
        var plan = SamplingPlan.Create(Linear, 10, TimestepSpacing.Leading, new SamplingPlanOptions { StepsOffset = 1 });
        plan.Timesteps.Should().Equal(901, 801, 701, 601, 501, 401, 301, 201, 101, 1);
    }

    [Fact]
    public void Create_Karras_HitsEndpointsAndFollowsRho7()
    {
        var schedule = DiscreteNoiseSchedule.ScaledLinear();
        const int n = 25;
        var plan = SamplingPlan.Create(schedule, n, TimestepSpacing.Karras);
        double sigmaMin = schedule.Level(0).VeSigma, sigmaMax = schedule.Level(999).VeSigma;

        plan[0].VeSigma.Should().BeApproximately(sigmaMax, 1e-9 * sigmaMax);
        plan[n - 1].VeSigma.Should().BeApproximately(sigmaMin, 1e-9 * sigmaMin);
        plan[0].Timestep.Should().BeApproximately(999, 1e-9);
        plan[n - 1].Timestep.Should().BeApproximately(0, 1e-9);
        for (var i = 0; i < n; i++)
        {
            var expected = Math.Pow(Math.Pow(sigmaMax, 1 / 7.0) + i / (n - 1.0) * (Math.Pow(sigmaMin, 1 / 7.0) - Math.Pow(sigmaMax, 1 / 7.0)), 7);
            plan[i].VeSigma.Should().BeApproximately(expected, 1e-9 * expected, $"Karras sigma {i}");
        }
    }

    [Fact]
    public void Create_Exponential_IsUniformInLogSigma()
    {
        var plan = SamplingPlan.Create(Linear, 10, TimestepSpacing.Exponential);
        var steps = Enumerable.Range(0, 9).Select(i => Math.Log(plan[i].VeSigma) - Math.Log(plan[i + 1].VeSigma)).ToArray();
        steps.Should().AllSatisfy(d => d.Should().BeApproximately(steps[0], 1e-9));
    }

    [Fact]
    public void Create_FlowShift_MatchesShiftedLinspaceOfSigmas()
    {
        var flow = new RectifiedFlowSchedule();
        var plan = SamplingPlan.Create(flow, 4, TimestepSpacing.FlowShift, new SamplingPlanOptions { FlowShift = 3 });
        double[] u = [1, 0.75, 0.5, 0.25];
        for (var i = 0; i < 4; i++)
        {
            plan[i].Sigma.Should().BeApproximately(3 * u[i] / (1 + 2 * u[i]), 1e-12);
            (plan[i].Alpha + plan[i].Sigma).Should().BeApproximately(1, 1e-15);
        }
        plan[4].Should().Be(NoiseLevel.Data);
    }

    [Fact]
    public void Create_EndAtDataFalse_EndsAtTimestepZero()
    {
        var plan = SamplingPlan.Create(Linear, 10, TimestepSpacing.Trailing, new SamplingPlanOptions { EndAtData = false });
        plan[^1].Should().Be(Linear.Level(0));
    }

    [Fact]
    public void Create_Karras_OnZeroTerminalSnr_ExplainsMissingSigmaMax()
    {
        var schedule = KnownNoiseSchedules.CosineZeroTerminalSnr.Build();
        FluentActions.Invoking(() => SamplingPlan.Create(schedule, 10, TimestepSpacing.Karras))
            .Should().Throw<ArgumentException>().WithMessage("*SigmaMax*");
        var plan = SamplingPlan.Create(schedule, 10, TimestepSpacing.Karras, new SamplingPlanOptions { SigmaMax = 80 });
        plan[0].VeSigma.Should().BeApproximately(80, 1e-6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1001)]
    public void Create_InvalidStepCount_Throws(int steps)
    {
        FluentActions.Invoking(() => SamplingPlan.Create(Linear, steps, TimestepSpacing.Trailing))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("steps");
    }

    [Fact]
    public void FromTimesteps_RejectsOutOfRangeAndNonDecreasing()
    {
        FluentActions.Invoking(() => SamplingPlan.FromTimesteps(Linear, [999, 1000.5]))
            .Should().Throw<ArgumentException>().WithMessage("*timesteps[1] = 1000.5*");
        FluentActions.Invoking(() => SamplingPlan.FromTimesteps(Linear, [500, 500]))
            .Should().Throw<ArgumentException>().WithMessage("*strictly decreasing*");
    }
}
