using VideoDiffusion.Data;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Data;

public sealed class AugmentationTests
{
    /// <summary>A clip [2, T, H, W] whose value encodes (channel, frame, row, column).</summary>
    private static Tensor Coded(int t, int h, int w) =>
        arange(2 * t * h * w, ScalarType.Float32).reshape(2, t, h, w);

    private static double Code(int c, int f, int r, int col, int t, int h, int w) => ((c * t + f) * h + r) * w + col;

    [Fact]
    public void RandomTemporalCrop_Stride2_KeepsEveryOtherFrameFromOneStart()
    {
        using var clip = Coded(10, 2, 2);
        var starts = new HashSet<int>();
        for (var seed = 0; seed < 40; seed++)
        {
            using var crop = new RandomTemporalCrop(3, stride: 2).Apply(clip, new Random(seed));
            crop.shape.Should().Equal(2, 3, 2, 2);
            var v = Tensors.ToDoubles(crop);
            var start = (int)(v[0] / 4);
            starts.Add(start);
            for (var f = 0; f < 3; f++)
            {
                v[f * 4].Should().Be(Code(0, start + 2 * f, 0, 0, 10, 2, 2));
                v[12 + f * 4 + 3].Should().Be(Code(1, start + 2 * f, 1, 1, 10, 2, 2));
            }
        }
        // Valid starts are 0 … 5; all of them show up.
        starts.Should().BeEquivalentTo(Enumerable.Range(0, 6));
    }

    [Fact]
    public void RandomSpatialCrop_CutsOneWindowForAllFrames()
    {
        using var clip = Coded(3, 5, 6);
        using var crop = new RandomSpatialCrop(2, 3).Apply(clip, new Random(1));
        crop.shape.Should().Equal(2, 3, 2, 3);
        var v = Tensors.ToDoubles(crop);
        var top = (int)(v[0] % 30 / 6);
        var left = (int)(v[0] % 6);
        for (var c = 0; c < 2; c++)
        {
            for (var f = 0; f < 3; f++)
            {
                for (var r = 0; r < 2; r++)
                {
                    for (var col = 0; col < 3; col++)
                    {
                        v[((c * 3 + f) * 2 + r) * 3 + col].Should().Be(Code(c, f, top + r, left + col, 3, 5, 6));
                    }
                }
            }
        }
    }

    [Fact]
    public void RandomHorizontalFlip_ProbabilityOneAndZero_FlipsOrKeeps()
    {
        using var clip = Coded(2, 2, 3);
        using var flipped = new RandomHorizontalFlip(1.0).Apply(clip, new Random(0));
        using var kept = new RandomHorizontalFlip(0.0).Apply(clip, new Random(0));
        Tensors.ToDoubles(kept).Should().Equal(Tensors.ToDoubles(clip));
        var f = Tensors.ToDoubles(flipped);
        f[0].Should().Be(2);
        f[2].Should().Be(0);
        f[3].Should().Be(5);
    }

    [Fact]
    public void RandomResizedCrop_FullScaleSameSize_IsIdentityAndOtherwiseResizes()
    {
        using var clip = Coded(2, 4, 6);
        using var same = new RandomResizedCrop(4, 6, 1.0, 1.0).Apply(clip, new Random(3));
        Tensors.ToDoubles(same).Should().Equal(Tensors.ToDoubles(clip));
        using var constant = full(new long[] { 3, 2, 9, 9 }, 0.25f);
        using var resized = new RandomResizedCrop(5, 7, 0.3, 0.6).Apply(constant, new Random(5));
        resized.shape.Should().Equal(3, 2, 5, 7);
        Tensors.ToDoubles(resized).Should().OnlyContain(v => Math.Abs(v - 0.25) < 1e-6);
    }

    [Fact]
    public void Apply_ClipTooSmall_ThrowsNamingShape()
    {
        using var clip = zeros(1, 2, 3, 3);
        FluentActions.Invoking(() => new RandomTemporalCrop(3).Apply(clip, new Random(0))).Should().Throw<ArgumentException>().WithMessage("*T >= 3*[1, 2, 3, 3]*");
        FluentActions.Invoking(() => new RandomSpatialCrop(4, 2).Apply(clip, new Random(0))).Should().Throw<ArgumentException>().WithMessage("*H >= 4*");
        FluentActions.Invoking(() => new RandomResizedCrop(2, 2, 0.5, 0.4)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxScale");
    }
}
