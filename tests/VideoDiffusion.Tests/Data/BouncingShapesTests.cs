using VideoDiffusion.Data;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Data;

public sealed class BouncingShapesTests
{
    private static readonly BouncingShapesOptions WhiteSquare = new()
    {
        Count = 6, Frames = 24, Height = 20, Width = 24, Channels = 1, Size = 5, MinSpeed = 1.5, MaxSpeed = 2.5,
        Kinds = [ShapeKind.Square], Colors = [new RgbColor(255, 255, 255)], Label = BouncingShapesLabel.None, Seed = 11,
    };

    /// <summary>Coverage per pixel [T][H*W] of a single-channel white-on-black clip (model space back to [0, 1]).</summary>
    private static double[][] Coverage(VideoExample example)
    {
        var (t, h, w) = ((int)example.Clip.shape[1], (int)example.Clip.shape[2], (int)example.Clip.shape[3]);
        var values = Tensors.ToDoubles(example.Clip);
        return Enumerable.Range(0, t).Select(f => values.Skip(f * h * w).Take(h * w).Select(v => (v + 1) / 2).ToArray()).ToArray();
    }

    private static (double Mass, double X, double Y, double MinX, double MaxX, double MinY, double MaxY) Moments(double[] frame, int width)
    {
        double mass = 0, sx = 0, sy = 0;
        double minX = double.MaxValue, maxX = double.MinValue, minY = double.MaxValue, maxY = double.MinValue;
        for (var p = 0; p < frame.Length; p++)
        {
            if (frame[p] <= 1e-6)
            {
                continue;
            }
            var (x, y) = (p % width, p / width);
            mass += frame[p];
            sx += frame[p] * (x + 0.5);
            sy += frame[p] * (y + 0.5);
            (minX, maxX, minY, maxY) = (Math.Min(minX, x), Math.Max(maxX, x), Math.Min(minY, y), Math.Max(maxY, y));
        }
        return (mass, sx / mass, sy / mass, minX, maxX, minY, maxY);
    }

    [Fact]
    public void Get_SameIndex_IdenticalAcrossCallsAndInstances()
    {
        var a = new BouncingShapes(new BouncingShapesOptions { Count = 4, Frames = 6, Height = 16, Width = 16, MaxObjects = 3, Seed = 5 });
        var b = new BouncingShapes(a.Options);
        using var first = a.Get(2);
        using var again = a.Get(2);
        using var other = b.Get(2);
        using var different = a.Get(3);
        first.Clip.shape.Should().Equal(3, 6, 16, 16);
        first.Clip.dtype.Should().Be(ScalarType.Float32);
        Tensors.ToDoubles(again.Clip).Should().Equal(Tensors.ToDoubles(first.Clip));
        Tensors.ToDoubles(other.Clip).Should().Equal(Tensors.ToDoubles(first.Clip));
        other.Label.Should().Be(first.Label);
        Tensors.MaxAbsDiff(first.Clip, different.Clip).Should().BeGreaterThan(0.5);
        Tensors.ToDoubles(first.Clip).Should().OnlyContain(v => v >= -1 && v <= 1);
    }

    [Fact]
    public void Get_WhiteSquare_StaysInFrameAndCentroidFollowsTrajectory()
    {
        var data = new BouncingShapes(WhiteSquare);
        for (var i = 0; i < data.Count; i++)
        {
            using var example = data.Get(i);
            var truth = data.Trajectories(i)[0];
            var frames = Coverage(example);
            for (var t = 0; t < frames.Length; t++)
            {
                var m = Moments(frames[t], WhiteSquare.Width);
                // The whole square is drawn in every frame: nothing is cut off at the walls.
                m.Mass.Should().BeApproximately(25, 1e-3, $"clip {i} frame {t}");
                // Exact area coverage makes the centroid of a whole-pixel square exact.
                m.X.Should().BeApproximately(truth[t].X, 1e-3);
                m.Y.Should().BeApproximately(truth[t].Y, 1e-3);
                m.MinX.Should().BeGreaterThanOrEqualTo(0);
                m.MaxX.Should().BeLessThan(WhiteSquare.Width);
            }
        }
    }

    [Fact]
    public void Get_WhiteSquare_MovesWithConstantSpeedExceptAtBounces()
    {
        var data = new BouncingShapes(WhiteSquare);
        int steady = 0, bounces = 0;
        for (var i = 0; i < data.Count; i++)
        {
            using var example = data.Get(i);
            var centres = Coverage(example).Select(f => Moments(f, WhiteSquare.Width)).Select(m => (m.X, m.Y)).ToArray();
            // Per-axis speed measured from the pixels: a reflection only shortens a step, so the largest step is the speed.
            var vx = centres.Zip(centres.Skip(1), (a, b) => Math.Abs(b.X - a.X)).Max();
            var vy = centres.Zip(centres.Skip(1), (a, b) => Math.Abs(b.Y - a.Y)).Max();
            for (var t = 0; t + 1 < centres.Length; t++)
            {
                var (dx, dy) = (centres[t + 1].X - centres[t].X, centres[t + 1].Y - centres[t].Y);
                // A step that reaches a wall (half size 2.5 from the border) may be reflected; all others keep the speed.
                var nearX = Math.Min(centres[t].X, centres[t + 1].X) - 2.5 < vx + 1e-3 || WhiteSquare.Width - 2.5 - Math.Max(centres[t].X, centres[t + 1].X) < vx + 1e-3;
                var nearY = Math.Min(centres[t].Y, centres[t + 1].Y) - 2.5 < vy + 1e-3 || WhiteSquare.Height - 2.5 - Math.Max(centres[t].Y, centres[t + 1].Y) < vy + 1e-3;
                if (nearX || nearY)
                {
                    bounces++;
                    Math.Abs(dx).Should().BeLessThanOrEqualTo(vx + 1e-3);
                    Math.Abs(dy).Should().BeLessThanOrEqualTo(vy + 1e-3);
                    continue;
                }
                steady++;
                Math.Abs(dx).Should().BeApproximately(vx, 1e-3, $"clip {i} step {t}");
                Math.Abs(dy).Should().BeApproximately(vy, 1e-3, $"clip {i} step {t}");
                Math.Sqrt(dx * dx + dy * dy).Should().BeInRange(1.5 - 1e-3, 2.5 + 1e-3);
            }
        }
        steady.Should().BeGreaterThan(50);
        bounces.Should().BeGreaterThan(5);
    }

    [Fact]
    public void Get_ShapeKindLabel_SquareAndCircleAreasMatchTheirLabels()
    {
        var data = new BouncingShapes(WhiteSquare with
        {
            Count = 12, Frames = 2, Kinds = [ShapeKind.Square, ShapeKind.Circle], Size = 8, Label = BouncingShapesLabel.ShapeKind,
        });
        data.NumClasses.Should().Be(2);
        var seen = new HashSet<long>();
        for (var i = 0; i < data.Count; i++)
        {
            using var example = data.Get(i);
            var mass = Moments(Coverage(example)[0], WhiteSquare.Width).Mass;
            seen.Add(example.Label!.Value);
            // Square 64 px^2; disc pi 4^2 = 50.3 px^2 (4 x 4 supersampling: within 2%).
            mass.Should().BeApproximately(example.Label == 0 ? 64 : Math.PI * 16, example.Label == 0 ? 1e-3 : 1.0);
        }
        seen.Should().BeEquivalentTo([0L, 1L]);
    }

    [Fact]
    public void Get_ObjectCountLabel_CountsShapes()
    {
        var data = new BouncingShapes(new BouncingShapesOptions { Count = 20, Frames = 2, MinObjects = 1, MaxObjects = 3, Label = BouncingShapesLabel.ObjectCount });
        data.NumClasses.Should().Be(3);
        for (var i = 0; i < data.Count; i++)
        {
            using var example = data.Get(i);
            data.Trajectories(i).Count.Should().Be((int)example.Label!.Value + 1);
        }
    }

    [Fact]
    public void Constructor_InvalidOptions_Throw()
    {
        FluentActions.Invoking(() => new BouncingShapes(new BouncingShapesOptions { Size = 32 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Size");
        FluentActions.Invoking(() => new BouncingShapes(new BouncingShapesOptions { Channels = 2 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Channels");
        FluentActions.Invoking(() => new BouncingShapes(new BouncingShapesOptions { Colors = [] })).Should().Throw<ArgumentException>().WithParameterName("Colors");
        FluentActions.Invoking(() => new BouncingShapes().Get(1024)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("index");
    }
}
