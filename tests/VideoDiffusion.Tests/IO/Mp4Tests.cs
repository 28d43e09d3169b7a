using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class Mp4Tests : TempDirectoryTests
{
    [Fact]
    public void WriteRead_SmoothClip_ReturnsFramesAbove35Db()
    {
        // A smooth clip (blue ripple period ~126 px). yuv420p halves chroma resolution, so the harsher ripple of
        // TestClips.Gradient's default (period ~42 px) measures 32.8 dB instead; docs/formats.md records both.
        var clip = TestClips.Gradient(10, 48, 64, ripple: 0.05);
        var path = Path.Combine(TempPath, "clip.mp4");
        if (!Ffmpeg.IsAvailable())
        {
            var act = () => Mp4.Write(path, clip);
            act.Should().Throw<InvalidOperationException>().WithMessage("*ffmpeg was not found*apt-get install -y ffmpeg*GIF*needs nothing*");
            return;
        }

        Mp4.Write(path, clip, new Mp4WriteOptions { FramesPerSecond = 12 });
        var video = Mp4.Read(path);

        (video.Frames.Frames, video.Frames.Height, video.Frames.Width).Should().Be((10, 48, 64));
        video.FramesPerSecond.Should().BeApproximately(12, 1e-9);
        var psnr = TestClips.Psnr(video.Frames.Data, clip.Data);
        Console.WriteLine($"MP4 round trip PSNR {psnr:F2} dB");
        psnr.Should().BeGreaterThan(35);
        Directory.GetFiles(TempPath).Should().Equal([path], "no temporary file is left behind");
    }

    [Fact]
    public void Write_MissingFfmpeg_ThrowsExplainingHowToInstallAndThatGifNeedsNothing()
    {
        var options = new Mp4WriteOptions { Ffmpeg = new FfmpegOptions { ExecutablePath = Path.Combine(TempPath, "no-ffmpeg-here") } };

        var act = () => Mp4.Write(Path.Combine(TempPath, "x.mp4"), TestClips.Gradient(2, 4, 4), options);

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("*ffmpeg was not found*no-ffmpeg-here*apt-get install -y ffmpeg*brew install ffmpeg*GIF output*needs nothing external*");
        Directory.GetFiles(TempPath).Should().BeEmpty();
    }

    [Fact]
    public void Read_NotAVideo_ThrowsInvalidDataExceptionOrMissingFfmpeg()
    {
        var path = Path.Combine(TempPath, "bad.mp4");
        File.WriteAllBytes(path, new byte[100]);
        if (!Ffmpeg.IsAvailable())
        {
            ExternalTools.AssertMissingFfmpegException();
            return;
        }

        var act = () => Mp4.Read(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*bad.mp4*");
    }

    [Fact]
    public void Write_FfmpegFails_LeavesNoFiles()
    {
        if (!Ffmpeg.IsAvailable())
        {
            ExternalTools.AssertMissingFfmpegException();
            return;
        }
        // The final name is taken by a directory, so the rename after ffmpeg's run fails.
        var target = Path.Combine(TempPath, "sub");
        Directory.CreateDirectory(Path.Combine(target, "x.mp4"));

        var act = () => Mp4.Write(Path.Combine(target, "x.mp4"), TestClips.Gradient(2, 4, 4));

        act.Should().Throw<IOException>();
        Directory.GetFiles(target).Should().BeEmpty("the temporary MP4 is deleted when the rename fails");
    }

    [Fact]
    public void Read_MoreFramesThanMaxOutputBytes_ThrowsBeforeDecoding()
    {
        var path = Path.Combine(TempPath, "long.mp4");
        if (!Ffmpeg.IsAvailable())
        {
            ExternalTools.AssertMissingFfmpegException();
            return;
        }
        Mp4.Write(path, TestClips.Gradient(12, 16, 32, ripple: 0.05));

        var act = () => Mp4.Read(path, new Mp4ReadOptions { MaxOutputBytes = 16 * 32 * 3 * 10 });
        var video = Mp4.Read(path, new Mp4ReadOptions { MaxOutputBytes = 16 * 32 * 3 * 12 });

        act.Should().Throw<InvalidDataException>().WithMessage("*12 frame(s) of 32 x 16*18432 bytes*MaxOutputBytes (15360)*long.mp4*");
        video.Frames.Frames.Should().Be(12, "a limit the clip fits exactly is enough");
    }

    [Fact]
    public void Read_FrameLargerThanMaxPixels_ThrowsBeforeDecoding()
    {
        var path = Path.Combine(TempPath, "big.mp4");
        if (!Ffmpeg.IsAvailable())
        {
            ExternalTools.AssertMissingFfmpegException();
            return;
        }
        Mp4.Write(path, TestClips.Gradient(2, 16, 32));

        var act = () => Mp4.Read(path, new Mp4ReadOptions { MaxPixels = 511 });

        act.Should().Throw<InvalidDataException>().WithMessage("*32 x 16*MaxPixels (511)*big.mp4*");
    }

    [Theory]
    [InlineData("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nsecret.mp4\n#EXT-X-ENDLIST\n")]
    [InlineData("ffconcat version 1.0\nfile secret.mp4\n")]
    public void Read_PlaylistNamedMp4_RefusesToOpenOtherFiles(string playlist)
    {
        var path = Path.Combine(TempPath, "playlist.mp4");
        File.WriteAllText(path, playlist);
        if (!Ffmpeg.IsAvailable())
        {
            ExternalTools.AssertMissingFfmpegException();
            return;
        }
        Mp4.Write(Path.Combine(TempPath, "secret.mp4"), TestClips.Gradient(3, 16, 16));

        var act = () => Mp4.Read(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*playlist.mp4*");
    }

    [Fact]
    public void Read_InvalidOptions_ThrowsArgumentOutOfRange()
    {
        var act = () => Mp4.Read(Path.Combine(TempPath, "x.mp4"), new Mp4ReadOptions { MaxOutputBytes = 0 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxOutputBytes");
    }
}
