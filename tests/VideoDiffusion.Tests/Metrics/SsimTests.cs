using VideoDiffusion.Metrics;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Metrics;

public sealed class SsimTests
{
    [Theory]
    [InlineData(SsimWindow.Gaussian)]
    [InlineData(SsimWindow.Block8x8)]
    public void Compute_IdenticalClips_IsOne(SsimWindow window)
    {
        using var x = rand(new long[] { 2, 3, 2, 16, 20 }, generator: Tensors.Seeded(3)).mul(2).sub(1);

        var scores = Ssim.Compute(x, x, new SsimOptions { Window = window });

        scores.PerFrame.SelectMany(f => f).Should().AllSatisfy(s => s.Should().BeApproximately(1.0, 1e-12));
    }

    [Fact]
    public void Compute_FlatFrames_MatchesTheLuminanceTermClosedForm()
    {
        // Flat frames have zero variance, so SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1) with m measured from black.
        using var a = full(new long[] { 1, 1, 1, 12, 12 }, 0.2, ScalarType.Float64);
        using var b = full(new long[] { 1, 1, 1, 12, 12 }, -0.5, ScalarType.Float64);
        double m1 = 1.2, m2 = 0.5, c1 = Math.Pow(0.01 * 2, 2);

        var ssim = Ssim.Compute(a, b).Mean;

        ssim.Should().BeApproximately((2 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1), 1e-12);
    }

    [Fact]
    public void Compute_ModelSpaceAndBytes_GiveTheSameScore()
    {
        using var a = rand(new long[] { 1, 3, 2, 14, 15 }, ScalarType.Float64, generator: Tensors.Seeded(5)).mul(2).sub(1);
        using var noise = randn(new long[] { 1, 3, 2, 14, 15 }, ScalarType.Float64, generator: Tensors.Seeded(6)).mul(0.2);
        using var b = (a + noise).clamp(-1, 1);
        using var aBytes = a.add(1).mul(127.5);
        using var bBytes = b.add(1).mul(127.5);

        var model = Ssim.Compute(a, b);
        var bytes = Ssim.Compute(aBytes, bBytes, new SsimOptions { DataRange = 255, MinValue = 0 });

        bytes.Mean.Should().BeApproximately(model.Mean, 1e-12);
        model.Mean.Should().BeInRange(0.1, 0.99);
    }

    [Fact]
    public void Compute_Swapped_IsSymmetricAndDecreasesWithNoise()
    {
        using var a = rand(new long[] { 1, 1, 1, 24, 24 }, ScalarType.Float64, generator: Tensors.Seeded(8)).mul(2).sub(1);
        using var e = randn(new long[] { 1, 1, 1, 24, 24 }, ScalarType.Float64, generator: Tensors.Seeded(9));
        using var small = a + e * 0.05;
        using var large = a + e * 0.3;

        var ab = Ssim.Compute(a, small).Mean;
        var ba = Ssim.Compute(small, a).Mean;
        var far = Ssim.Compute(a, large).Mean;

        ab.Should().BeApproximately(ba, 1e-12);
        far.Should().BeLessThan(ab);
    }

    [Fact]
    public void Compute_FramesSmallerThanWindow_ThrowsArgumentException()
    {
        using var x = zeros(new long[] { 1, 1, 1, 10, 40 });

        var act = () => Ssim.Compute(x, x);

        act.Should().Throw<ArgumentException>().WithMessage("*at least 11 x 11*[1, 1, 1, 10, 40]*");
    }

    [Fact]
    public void Compute_Repeatedly_LeaksNoTensors()
    {
        using var x = rand(new long[] { 1, 3, 2, 16, 16 }, generator: Tensors.Seeded(1));

        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                Ssim.Compute(x, x);
                Psnr.Compute(x, x);
                TemporalConsistency.Compare(x, x);
            }
        });

        growth.Should().Be(0);
    }
}
