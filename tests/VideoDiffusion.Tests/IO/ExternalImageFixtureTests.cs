using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

/// <summary>
/// GIFs and PNGs made by ffmpeg and ImageMagick (Fixtures/Images/make.sh) decode to the RGBA pixels each tool reports
/// for them, exactly, with two documented exceptions: 16-bit PNG samples, which we round to 8 bits as libpng's
/// png_set_scale_16 does while ImageMagick 6 floors colour and ceils alpha and ffmpeg's swscale rounds its own way (both
/// within 1); and ffmpeg's GIF disposal method 2, which restores the opaque background colour where browsers and
/// ImageMagick (and we) restore transparency.
/// </summary>
public sealed class ExternalImageFixtureTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadAllLines(Fixtures.Path("Images", "sizes.txt")))
        {
            var name = line.Split(' ')[0];
            data.Add(name, "ffmpeg");
            data.Add(name, "im");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_ToolMadeImage_MatchesToolPixels(string name, string tool)
    {
        var fields = File.ReadAllLines(Fixtures.Path("Images", "sizes.txt")).Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ');
        var (width, height, frames) = (int.Parse(fields[1]), int.Parse(fields[2]), int.Parse(fields[3]));
        var bytes = File.ReadAllBytes(Fixtures.Path("Images", name));
        var decoded = name.EndsWith(".gif", StringComparison.Ordinal)
            ? Gif.Decode(bytes, new GifReadOptions { KeepAlpha = true }).Frames
            : Png.Decode(bytes, new PngReadOptions { KeepAlpha = true });
        var expected = File.ReadAllBytes(Fixtures.Path("Images", $"{name}.{tool}.rgba"));

        (decoded.Frames, decoded.Height, decoded.Width, decoded.Channels).Should().Be((frames, height, width, 4));
        decoded.Data.Length.Should().Be(expected.Length);
        var sixteenBit = name.Contains("16", StringComparison.Ordinal);
        var ffmpegDisposal = tool == "ffmpeg" && name == "im_dispose_background.gif";
        var tolerance = sixteenBit ? 1 : 0;
        for (var p = 0; p < expected.Length; p += 4)
        {
            if (ffmpegDisposal && decoded.Data[p + 3] == 0 && expected[p + 3] == 255)
            {
                // ffmpeg's restore-to-background: opaque background colour (global table entry 0, black).
                expected.AsSpan(p, 3).ToArray().Should().Equal(0, 0, 0);
                continue;
            }
            Math.Abs(decoded.Data[p + 3] - expected[p + 3]).Should().BeLessThanOrEqualTo(tolerance, $"alpha at byte {p}");
            if (expected[p + 3] == 0)
            {
                continue; // colour under full transparency is undefined
            }
            for (var c = 0; c < 3; c++)
            {
                Math.Abs(decoded.Data[p + c] - expected[p + c]).Should().BeLessThanOrEqualTo(tolerance, $"channel {c} at byte {p}");
            }
        }
    }

    [Fact]
    public void Decode_FfmpegAnimation_ReadsDelaysAndLoop()
    {
        var animation = Gif.Read(Fixtures.Path("Images", "ffmpeg_palette.gif"));

        // make.sh feeds ffmpeg an image sequence at its default 25 fps: 4 hundredths of a second per frame.
        animation.DelaysCentiseconds.Should().Equal(4, 4, 4, 4);
        animation.LoopCount.Should().Be(0);
        animation.FramesPerSecond.Should().BeApproximately(25.0, 1e-12);
        animation.Frames.Channels.Should().Be(3);
    }

    [Fact]
    public void Decode_ImageMagickDisposePrevious_ReadsLoopCountAndDelays()
    {
        var animation = Gif.Read(Fixtures.Path("Images", "im_dispose_previous.gif"));

        // ImageMagick's "-loop 2" (play twice) stores NETSCAPE2.0 repeat count 1.
        animation.LoopCount.Should().Be(1);
        animation.DelaysCentiseconds.Should().Equal(15, 15, 15, 15);
    }
}
