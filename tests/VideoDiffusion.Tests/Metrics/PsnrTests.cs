using VideoDiffusion.Metrics;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Metrics;

public sealed class PsnrTests
{
    [Fact]
    public void Compute_ConstantOffsets_MatchesClosedFormPerFrame()
    {
        // Frame t of clip b is off by d = 0.01 * (1 + t + 3b): MSE = d^2, PSNR = 10 log10(2^2 / d^2).
        using var reference = zeros(new long[] { 2, 3, 3, 8, 8 }, ScalarType.Float64);
        using var offsets = tensor(new double[] { 1, 2, 3, 4, 5, 6 }).mul(0.01).view(2, 1, 3, 1, 1);
        using var generated = reference + offsets;

        var scores = Psnr.Compute(generated, reference);

        for (var b = 0; b < 2; b++)
        {
            for (var t = 0; t < 3; t++)
            {
                var d = 0.01 * (1 + t + 3 * b);
                scores.PerFrame[b][t].Should().BeApproximately(10 * Math.Log10(4 / (d * d)), 1e-9);
            }
        }
        scores.PerClip[0].Should().BeApproximately(scores.PerFrame[0].Average(), 1e-12);
        scores.Mean.Should().BeApproximately(scores.PerFrame.SelectMany(f => f).Average(), 1e-12);
    }

    [Fact]
    public void Compute_ModelSpaceAndBytes_GiveTheSamePsnr()
    {
        using var a = rand(new long[] { 1, 3, 2, 6, 6 }, ScalarType.Float64, generator: Tensors.Seeded(1)).mul(2).sub(1);
        using var b = rand(new long[] { 1, 3, 2, 6, 6 }, ScalarType.Float64, generator: Tensors.Seeded(2)).mul(2).sub(1);
        using var aBytes = a.add(1).mul(127.5);
        using var bBytes = b.add(1).mul(127.5);

        var model = Psnr.Compute(a, b);
        var bytes = Psnr.Compute(aBytes, bBytes, dataRange: 255);

        bytes.Mean.Should().BeApproximately(model.Mean, 1e-9);
    }

    [Fact]
    public void Compute_IdenticalFrames_IsPositiveInfinity()
    {
        using var x = ones(new long[] { 1, 1, 2, 4, 4 });

        Psnr.Compute(x, x).Mean.Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void Compute_ShapeMismatch_ThrowsArgumentExceptionWithShapes()
    {
        using var a = zeros(new long[] { 1, 3, 2, 4, 4 });
        using var b = zeros(new long[] { 1, 3, 2, 4, 5 });

        var act = () => Psnr.Compute(a, b);

        act.Should().Throw<ArgumentException>().WithMessage("*[1, 3, 2, 4, 4]*[1, 3, 2, 4, 5]*");
    }
}
