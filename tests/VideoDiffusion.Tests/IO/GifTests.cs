using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class GifTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(129)]
    [InlineData(256)]
    public void WriteRead_UpTo256Colours_ReturnsSameFramesExactly(int colors)
    {
        // 3 frames of 40 x 37 = 4440 pixels of random colours: every code size from minCodeSize + 1 up to 12 is used
        // and the table fills past 4096 codes, so clear codes are written mid-frame.
        var clip = TestClips.WithColors(colors, 3, 37, 40, seed: colors);
        var bytes = Gif.Encode(clip, new GifWriteOptions { FramesPerSecond = 10 });

        var decoded = Gif.Decode(bytes);

        decoded.Frames.Data.Should().Equal(clip.Data);
        decoded.DelaysCentiseconds.Should().Equal(10, 10, 10);
        decoded.LoopCount.Should().Be(0);
    }
}
