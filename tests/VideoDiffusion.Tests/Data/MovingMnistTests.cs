using VideoDiffusion.Data;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Data;

public sealed class MovingMnistTests
{
    /// <summary>Three 28 x 28 "digits": a solid 6 x 4 block (value 255) at a different place in each, zero elsewhere.</summary>
    private static byte[][] Digits() => Enumerable.Range(0, 3).Select(k =>
    {
        var image = new byte[28 * 28];
        for (var r = 0; r < 6; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                image[(4 + 5 * k + r) * 28 + 3 + 7 * k + c] = 255;
            }
        }
        return image;
    }).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Get_OneDigit_WholeDigitInEveryFrameMovingOnBouncedTrajectory(bool gzip)
    {
        using var dir = TestFiles.Temp();
        var path = dir.File(gzip ? "images.gz" : "images-idx3-ubyte");
        TestFiles.WriteIdx(path, Digits(), 28, 28, gzip);
        var data = new MovingMnist(new MovingMnistOptions { ImagesPath = path, Count = 5, Frames = 20, Digits = 1, Seed = 2 });
        data.NumClasses.Should().Be(0);
        for (var i = 0; i < data.Count; i++)
        {
            using var example = data.Get(i);
            example.Clip.shape.Should().Equal(1, 20, 64, 64);
            var v = Tensors.ToDoubles(example.Clip);
            v.Should().OnlyContain(x => x == -1 || x == 1);
            var corners = new List<(int Row, int Col)>();
            for (var t = 0; t < 20; t++)
            {
                var lit = Enumerable.Range(0, 64 * 64).Where(p => v[t * 4096 + p] > 0).ToArray();
                // The whole 6 x 4 block is on the canvas in every frame.
                lit.Should().HaveCount(24);
                corners.Add((lit.Min(p => p / 64), lit.Min(p => p % 64)));
            }
            // Steps follow the generator: at most 0.1 * 36 = 3.6 px per axis (plus 1 px from truncation to whole pixels).
            corners.Zip(corners.Skip(1)).Should().OnlyContain(s => Math.Abs(s.First.Row - s.Second.Row) <= 4 && Math.Abs(s.First.Col - s.Second.Col) <= 4);
            corners.Distinct().Count().Should().BeGreaterThan(5);
        }
    }

    [Fact]
    public void Get_TwoDigits_DeterministicAndCombinedByMaximum()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("images");
        TestFiles.WriteIdx(path, Digits(), 28, 28);
        var options = new MovingMnistOptions { ImagesPath = path, Count = 4, Frames = 6, Seed = 1 };
        var a = new MovingMnist(options);
        var b = new MovingMnist(options);
        for (var i = 0; i < 4; i++)
        {
            using var x = a.Get(i);
            using var y = b.Get(i);
            var v = Tensors.ToDoubles(x.Clip);
            v.Should().Equal(Tensors.ToDoubles(y.Clip));
            // Two blocks of 24 px each, overlapping or not: between 24 and 48 lit pixels per frame, never brighter than 1.
            for (var t = 0; t < 6; t++)
            {
                var lit = v.Skip(t * 4096).Take(4096).Count(p => p > 0);
                lit.Should().BeInRange(24, 48);
            }
        }
    }

    [Fact]
    public void Constructor_SmallerCanvasAndResizedDigits_Works()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("images");
        TestFiles.WriteIdx(path, Digits(), 28, 28);
        var data = new MovingMnist(new MovingMnistOptions { ImagesPath = path, Count = 2, Frames = 3, CanvasSize = 32, DigitSize = 14 });
        using var example = data.Get(1);
        example.Clip.shape.Should().Equal(1, 3, 32, 32);
    }

    [Fact]
    public void Constructor_TruncatedOrForeignIdx_ThrowsInvalidDataWithOffset()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("images");
        TestFiles.WriteIdx(path, Digits(), 28, 28);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..1000]);
        FluentActions.Invoking(() => new MovingMnist(new MovingMnistOptions { ImagesPath = path }))
            .Should().Throw<InvalidDataException>().WithMessage("*images*2352 data bytes, but 984 follow*byte offset*");
        // A valid IDX file of labels ([3] uint8), not images.
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 4]);
        FluentActions.Invoking(() => new MovingMnist(new MovingMnistOptions { ImagesPath = path }))
            .Should().Throw<InvalidDataException>().WithMessage("*images*uint8 images*byte offset*");
        FluentActions.Invoking(() => new MovingMnist(new MovingMnistOptions { ImagesPath = dir.File("missing") })).Should().Throw<FileNotFoundException>();
    }
}
