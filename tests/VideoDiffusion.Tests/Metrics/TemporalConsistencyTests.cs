using VideoDiffusion.Metrics;

namespace VideoDiffusion.Tests.Metrics;

public sealed class TemporalConsistencyTests
{
    /// <summary>Clip b changes by slopes[b] per frame everywhere: x[t] = slope * t.</summary>
    private static Tensor Ramp(params double[] slopes)
    {
        using var t = arange(5, dtype: ScalarType.Float64).view(1, 1, 5, 1, 1);
        using var s = tensor(slopes).view(-1, 1, 1, 1, 1);
        using var ramp = s * t;
        return ramp.expand(slopes.Length, 3, 5, 4, 4).contiguous();
    }

    [Fact]
    public void MeanAbsoluteFrameDifference_LinearRamps_IsTheSlope()
    {
        using var video = Ramp(0.1, -0.25, 0.0);

        var mad = TemporalConsistency.MeanAbsoluteFrameDifference(video);

        mad[0].Should().BeApproximately(0.1, 1e-15);
        mad[1].Should().BeApproximately(0.25, 1e-15);
        mad[2].Should().Be(0);
    }

    [Fact]
    public void Compare_DifferentSlopes_ErrorIsTheSlopeDifference()
    {
        using var generated = Ramp(0.1, 0.3);
        using var reference = Ramp(0.1, -0.2);

        var result = TemporalConsistency.Compare(generated, reference);

        result.Generated.Should().Equal(result.Generated[0], result.Generated[1]);
        result.Generated[1].Should().BeApproximately(0.3, 1e-15);
        result.Reference[1].Should().BeApproximately(0.2, 1e-15);
        result.Error[0].Should().BeApproximately(0.0, 1e-15);
        result.Error[1].Should().BeApproximately(0.5, 1e-15);
        result.MeanError.Should().BeApproximately(0.25, 1e-15);
    }

    [Fact]
    public void Compare_OneFrame_ThrowsArgumentException()
    {
        using var x = zeros(new long[] { 1, 3, 1, 4, 4 });

        var act = () => TemporalConsistency.Compare(x, x);

        act.Should().Throw<ArgumentException>().WithMessage("*T >= 2*[1, 3, 1, 4, 4]*");
    }
}
