using FluentAssertions;
using VideoDiffusion.Data;
using VideoDiffusion.IO;
using VideoDiffusion.Metrics;
using static TorchSharp.torch;

namespace VideoDiffusion.Tests.Metrics;

public sealed class ShapeTracksTests
{
    private static readonly RgbColor[] Palette = [new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40)];

    /// <summary>The MovingShapes sample's data at <paramref name="size"/> pixels (shape and speed scale with it).</summary>
    private static BouncingShapesOptions Shapes(int size = 32, int count = 1000, long seed = 5) => new()
    {
        Count = count, Frames = 16, Height = size, Width = size, Size = Math.Round(9.0 * size / 32),
        MinSpeed = 1.5 * size / 32, MaxSpeed = 3.0 * size / 32, Kinds = [ShapeKind.Square, ShapeKind.Circle],
        Colors = Palette, Label = BouncingShapesLabel.ShapeKind, Seed = seed,
    };

    /// <summary>Clips [from, from + count) of a dataset as one batch.</summary>
    private static Tensor Batch(BouncingShapes data, int from, int count)
    {
        using var scope = NewDisposeScope();
        return stack(Enumerable.Range(from, count).Select(i => data.Get(i).Clip).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Clip a with its frames from <paramref name="k"/> on taken from clip b: <c>[1, C, T, H, W]</c>.</summary>
    private static Tensor Splice(VideoExample a, VideoExample b, int k)
    {
        using var scope = NewDisposeScope();
        return cat([a.Clip[.., ..k], b.Clip[.., k..]], 1).unsqueeze(0).MoveToOuterDisposeScope();
    }

    [Theory]
    [InlineData(32, 1000)]
    [InlineData(16, 300)]
    public void Analyze_RealClips_ReportsNoChangeNoJumpAndTheTrueCentreAndKind(int size, int count)
    {
        var data = new BouncingShapes(Shapes(size, count));
        var options = ShapeTrackOptions.For(data.Options) with { JumpThreshold = 6.0 * size / 32 };
        var tracks = new List<ShapeTrack>();
        for (var from = 0; from < count; from += 100)
        {
            using var batch = Batch(data, from, 100);
            tracks.AddRange(ShapeTracks.Analyze(batch, options).Clips);
        }
        var report = new ShapeTrackReport(tracks);

        report.Transitions.Should().Be(count * 15);
        (report.ColorChanges, report.KindChanges, report.Jumps, report.EmptyFrames, report.MultiBlobFrames, report.ClutteredFrames)
            .Should().Be((0, 0, 0, 0, 0, 0));
        var worst = 0.0;
        for (var i = 0; i < count; i++)
        {
            using var example = data.Get(i);
            tracks[i].MajorityKind.Should().Be(data.Options.Kinds[(int)example.Label!.Value], $"clip {i}");
            var truth = data.Trajectories(i)[0];
            for (var t = 0; t < 16; t++)
            {
                var seen = tracks[i].Frames[t];
                worst = Math.Max(worst, Math.Max(Math.Abs(seen.X - truth[t].X), Math.Abs(seen.Y - truth[t].Y)));
            }
        }
        worst.Should().BeLessThan(0.25, "the coverage-weighted centre is the shape's centre");
        report.MeanSpeed.Should().BeInRange(1.5 * size / 32 - 0.2, 3.0 * size / 32);
    }

    [Fact]
    public void Analyze_RealClipsThroughGif_ReportsNoChange()
    {
        var data = new BouncingShapes(Shapes(count: 20));
        using var batch = Batch(data, 0, 20);
        var decoded = VideoTensors.ToFramesBatch(batch).Select(f => Gif.Decode(Gif.Encode(f)).Frames).ToList();

        var report = ShapeTracks.Analyze(decoded, ShapeTrackOptions.For(data.Options));

        (report.ColorChanges, report.KindChanges, report.Jumps, report.EmptyFrames).Should().Be((0, 0, 0, 0));
        var direct = ShapeTracks.Analyze(batch, ShapeTrackOptions.For(data.Options));
        for (var i = 0; i < 20; i++)
        {
            report.Clips[i].MajorityColor.Should().Be(direct.Clips[i].MajorityColor);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    public void Analyze_ColourSwappedFromFrameK_ReportsExactlyOneColourChange(int k)
    {
        // Same seed, one colour each: the clips are identical but for the colour.
        var red = new BouncingShapes(Shapes(count: 8) with { Colors = [Palette[0]] });
        var blue = new BouncingShapes(Shapes(count: 8) with { Colors = [Palette[2]] });
        for (var i = 0; i < 8; i++)
        {
            using var a = red.Get(i);
            using var b = blue.Get(i);
            using var clip = Splice(a, b, k);

            var track = ShapeTracks.Analyze(clip, ShapeTrackOptions.For(red.Options) with { Palette = Palette }).Clips[0];

            (track.ColorChanges, track.KindChanges, track.Jumps, track.EmptyFrames).Should().Be((1, 0, 0, 0), $"clip {i}");
            track.Frames[k - 1].Color.Should().Be(0);
            track.Frames[k].Color.Should().Be(2);
        }
    }

    [Fact]
    public void Analyze_KindSwappedFromFrameK_ReportsExactlyOneKindChange()
    {
        var squares = new BouncingShapes(Shapes(count: 8) with { Kinds = [ShapeKind.Square] });
        var circles = new BouncingShapes(Shapes(count: 8) with { Kinds = [ShapeKind.Circle] });
        for (var i = 0; i < 8; i++)
        {
            using var a = squares.Get(i);
            using var b = circles.Get(i);
            using var clip = Splice(a, b, 5);

            var track = ShapeTracks.Analyze(clip, ShapeTrackOptions.For(squares.Options)).Clips[0];

            (track.ColorChanges, track.KindChanges, track.Jumps, track.EmptyFrames).Should().Be((0, 1, 0, 0), $"clip {i}");
            track.Frames[4].Kind.Should().Be(ShapeKind.Square);
            track.Frames[5].Kind.Should().Be(ShapeKind.Circle);
        }
    }

    [Fact]
    public void Analyze_ClipJoinedToAnotherClip_ReportsAJumpExactlyWhenTheTrueCentreMovesMoreThanTheThreshold()
    {
        // Still shapes of one kind and colour: only the position changes at the splice.
        var first = new BouncingShapes(Shapes(count: 30, seed: 1) with { Kinds = [ShapeKind.Square], Colors = [Palette[1]], MinSpeed = 0, MaxSpeed = 0 });
        var second = new BouncingShapes(first.Options with { Seed = 2 });
        var expected = 0;
        var reported = 0;
        for (var i = 0; i < 30; i++)
        {
            using var a = first.Get(i);
            using var b = second.Get(i);
            using var clip = Splice(a, b, 8);
            var (p, q) = (first.Trajectories(i)[0][0], second.Trajectories(i)[0][0]);
            var distance = Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
            if (Math.Abs(distance - 6) < 0.5)
            {
                continue; // too close to the threshold to call either way
            }

            var track = ShapeTracks.Analyze(clip, ShapeTrackOptions.For(first.Options)).Clips[0];

            track.Jumps.Should().Be(distance > 6 ? 1 : 0, $"clip {i} moves {distance:F2} px");
            track.Speeds[7].Should().BeApproximately(distance, 0.25);
            expected += distance > 6 ? 1 : 0;
            reported += track.Jumps;
        }
        expected.Should().BeGreaterThan(10, "the test must see jumps");
        reported.Should().Be(expected);
    }

    [Fact]
    public void Analyze_BlankedFrameAndExtraBlob_AreCountedOnceAndBreakNoTransition()
    {
        var data = new BouncingShapes(Shapes(count: 1));
        using var example = data.Get(0);
        using var clip = example.Clip.unsqueeze(0).clone();
        clip[.., .., 6].fill_(-1.0);                     // frame 6: background only
        var truth = data.Trajectories(0)[0][10];
        var (cornerX, cornerY) = (truth.X < 16 ? 28 : 1, truth.Y < 16 ? 28 : 1);
        clip[0, .., 10, cornerY..(cornerY + 3), cornerX..(cornerX + 3)].fill_(1.0); // frame 10: a white 3x3 speck far away

        var track = ShapeTracks.Analyze(clip, ShapeTrackOptions.For(data.Options)).Clips[0];

        (track.EmptyFrames, track.MultiBlobFrames, track.ColorChanges, track.KindChanges, track.Jumps).Should().Be((1, 1, 0, 0, 0));
        track.Frames[6].IsEmpty.Should().BeTrue();
        track.Frames[10].Blobs.Should().Be(2);
        track.Speeds.Should().HaveCount(13, "the two transitions into and out of the empty frame are skipped");
    }

    [Fact]
    public void Analyze_NoiseClips_AreClutteredEveryFrame()
    {
        using var noise = randn([3, 3, 16, 32, 32], generator: new Generator(3, CPU)).clamp_(-1, 1);

        var report = ShapeTracks.Analyze(noise);

        report.ClutteredFrames.Should().Be(48);
        report.EmptyFrames.Should().Be(0);
    }

    [Fact]
    public void Analyze_BadInput_ThrowsNamingTheProblem()
    {
        using var grey = zeros([1, 1, 4, 8, 8]);
        using var ok = zeros([1, 3, 4, 8, 8]);

        FluentActions.Invoking(() => ShapeTracks.Analyze(grey)).Should().Throw<ArgumentException>().WithMessage("*3 or 4 channels*[1, 1, 4, 8, 8]*");
        FluentActions.Invoking(() => ShapeTracks.Analyze(ok, new ShapeTrackOptions { Palette = [] })).Should().Throw<ArgumentException>().WithParameterName("Palette");
        FluentActions.Invoking(() => ShapeTracks.Analyze(ok, new ShapeTrackOptions { JumpThreshold = double.NaN }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("JumpThreshold");
    }
}
