using VideoDiffusion.Noise;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Noise;

public class NoiseSourceTests
{
    public static TheoryData<string> Sources => new() { "gaussian", "offset", "pyramid", "mixed", "progressive" };

    private static INoiseSource Make(string name) => name switch
    {
        "gaussian" => GaussianNoise.Instance,
        "offset" => new OffsetNoise(0.3),
        "pyramid" => new PyramidNoise(0.8),
        "mixed" => new FrameCorrelatedNoise(0.5, FrameCorrelationMode.Mixed),
        "progressive" => new FrameCorrelatedNoise(0.7, FrameCorrelationMode.Progressive),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void Sample_HasZeroMeanAndUnitVariance(string name)
    {
        using var gen = Tensors.Seeded(42);
        using var noise = Make(name).Sample([64, 3, 8, 16, 16], gen, ScalarType.Float64);
        noise.shape.Should().Equal(64, 3, 8, 16, 16);
        noise.mean().item<double>().Should().BeApproximately(0, 0.02);
        noise.var().item<double>().Should().BeApproximately(1, 0.02);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Sample_SameSeed_SameNoise_AndFollowsDtype(string name)
    {
        using var g1 = Tensors.Seeded(5);
        using var g2 = Tensors.Seeded(5);
        using var a = Make(name).Sample([2, 1, 3, 4, 4], g1, ScalarType.Float32);
        using var b = Make(name).Sample([2, 1, 3, 4, 4], g2, ScalarType.Float32);
        a.dtype.Should().Be(ScalarType.Float32);
        Tensors.MaxAbsDiff(a, b).Should().Be(0);
    }

    private static double FrameCorrelation(Tensor noise, int f1, int f2)
    {
        using var a = noise.select(2, f1).flatten();
        using var b = noise.select(2, f2).flatten();
        using var c = corrcoef(stack([a, b]));
        return c[0, 1].item<double>();
    }

    [Fact]
    public void FrameCorrelated_Mixed_HasConfiguredCorrelationBetweenAnyFrames()
    {
        using var gen = Tensors.Seeded(9);
        using var noise = new FrameCorrelatedNoise(0.6).Sample([32, 3, 6, 16, 16], gen, ScalarType.Float64);
        FrameCorrelation(noise, 0, 1).Should().BeApproximately(0.6, 0.02);
        FrameCorrelation(noise, 0, 5).Should().BeApproximately(0.6, 0.02);
        FrameCorrelation(noise, 2, 4).Should().BeApproximately(0.6, 0.02);
    }

    [Fact]
    public void FrameCorrelated_Progressive_CorrelationDecaysAsPowerOfDistance()
    {
        using var gen = Tensors.Seeded(10);
        using var noise = new FrameCorrelatedNoise(0.8, FrameCorrelationMode.Progressive).Sample([32, 3, 6, 16, 16], gen, ScalarType.Float64);
        FrameCorrelation(noise, 2, 3).Should().BeApproximately(0.8, 0.02);
        FrameCorrelation(noise, 1, 3).Should().BeApproximately(0.64, 0.02);
        noise.select(2, 5).var().item<double>().Should().BeApproximately(1, 0.03);
    }

    [Fact]
    public void Gaussian_FrameCorrelationIsZero()
    {
        using var gen = Tensors.Seeded(12);
        using var noise = GaussianNoise.Instance.Sample([32, 3, 6, 16, 16], gen, ScalarType.Float64);
        FrameCorrelation(noise, 0, 1).Should().BeApproximately(0, 0.02);
    }

    [Fact]
    public void Offset_ChannelElementsCorrelateByStrengthSquaredOverOnePlusStrengthSquared()
    {
        using var gen = Tensors.Seeded(13);
        using var noise = new OffsetNoise(0.5).Sample([4000, 2, 1, 2, 2], gen, ScalarType.Float64);
        using var a = noise[.., 0, 0, 0, 0];
        using var b = noise[.., 0, 0, 1, 1];
        using var c = corrcoef(stack([a, b]));
        c[0, 1].item<double>().Should().BeApproximately(0.25 / 1.25, 0.04);
    }

    [Fact]
    public void Pyramid_NeighbouringPixelsAreCorrelated()
    {
        using var gen = Tensors.Seeded(14);
        using var noise = new PyramidNoise(0.9).Sample([2000, 1, 1, 8, 8], gen, ScalarType.Float64);
        using var a = noise[.., 0, 0, 0, 0];
        using var b = noise[.., 0, 0, 0, 1];
        using var c = corrcoef(stack([a, b]));
        // Pixels (0,0) and (0,1) share every coarse level: weights 0.9^i for i = 1..3 (8x8 has 3 levels).
        double shared = 0, total = 1;
        for (var i = 1; i <= 3; i++)
        {
            shared += Math.Pow(0.81, i);
            total += Math.Pow(0.81, i);
        }
        c[0, 1].item<double>().Should().BeApproximately(shared / total, 0.04);
    }

    [Fact]
    public void VideoSources_RejectNonVideoShapes()
    {
        using var gen = Tensors.Seeded(1);
        FluentActions.Invoking(() => new PyramidNoise().Sample([2, 3, 8, 8], gen))
            .Should().Throw<ArgumentException>().WithParameterName("shape").WithMessage("*[B, C, T, H, W]*[2, 3, 8, 8]*");
        FluentActions.Invoking(() => GaussianNoise.Instance.Sample([2, 0, 8], gen))
            .Should().Throw<ArgumentException>().WithParameterName("shape");
        FluentActions.Invoking(() => GaussianNoise.Instance.Sample([2, 3], gen, ScalarType.Int64))
            .Should().Throw<ArgumentException>().WithParameterName("dtype");
    }

    [Fact]
    public void Constructors_RejectOutOfRangeParameters()
    {
        FluentActions.Invoking(() => new FrameCorrelatedNoise(1.0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("correlation");
        FluentActions.Invoking(() => new OffsetNoise(-0.1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("strength");
        FluentActions.Invoking(() => new PyramidNoise(1.0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("discount");
    }

    [Fact]
    public void Sample_LeaksNoTensors()
    {
        using var gen = Tensors.Seeded(1);
        var growth = LiveTensors.Growth(() =>
        {
            foreach (var name in new[] { "gaussian", "offset", "pyramid", "mixed", "progressive" })
            {
                Make(name).Sample([1, 1, 4, 8, 8], gen).Dispose();
            }
        });
        growth.Should().Be(0);
    }
}
