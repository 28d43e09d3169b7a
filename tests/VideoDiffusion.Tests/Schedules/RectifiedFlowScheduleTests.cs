using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Schedules;

public class RectifiedFlowScheduleTests
{
    [Fact]
    public void Level_IsLinearInterpolation_WithoutShift()
    {
        var schedule = new RectifiedFlowSchedule();
        schedule.Level(0).Should().Be(new NoiseLevel(0, 1, 0));
        schedule.Level(1000).Should().Be(new NoiseLevel(1000, 0, 1));
        var mid = schedule.Level(250);
        mid.Alpha.Should().Be(0.75);
        mid.Sigma.Should().Be(0.25);
    }

    [Fact]
    public void Shift_FollowsSd3Formula_AndShiftsLogSnrByTwoLogK()
    {
        var shifted = new RectifiedFlowSchedule(1000, 3.0);
        var plain = new RectifiedFlowSchedule(1000, 1.0);
        const double u = 0.4;
        shifted.Sigma(400).Should().BeApproximately(3 * u / (1 + 2 * u), 1e-15);
        shifted.LogSnr(400).Should().BeApproximately(plain.LogSnr(400) - 2 * Math.Log(3), 1e-12);
        shifted.TimestepOf(shifted.LogSnr(123.4)).Should().BeApproximately(123.4, 1e-9);
    }

    [Fact]
    public void Constructor_RejectsBadShift()
    {
        FluentActions.Invoking(() => new RectifiedFlowSchedule(1000, -1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("shift");
    }
}
