using VideoDiffusion.IO;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.IO;

public sealed class VideoExportTests : TempDirectoryTests
{
    [Fact]
    public void SaveBatch_Defaults_WritesGifPerClipContactSheetAndNpy()
    {
        using var batch = rand(new long[] { 2, 3, 4, 8, 10 }, generator: Tensors.Seeded(7)).mul(2).sub(1);

        var written = VideoExport.SaveBatch(TempPath, batch, new ClipBatchSaveOptions { Gif = new GifWriteOptions { FramesPerSecond = 5 } });

        written.Select(Path.GetFileName).Should().Equal("clip_000.gif", "clip_001.gif", "clip_contact.png", "clip.npy");
        Directory.GetFiles(TempPath).Should().HaveCount(4);
        using var bytes = VideoTensors.ToBytes(batch);
        var gif = Gif.Read(Path.Combine(TempPath, "clip_001.gif"));
        gif.DelaysCentiseconds.Should().Equal(20, 20, 20, 20);
        using var expected1 = bytes[1];
        var expectedFrames = VideoFrames.FromTensor(expected1);
        TestClips.Psnr(gif.Frames.Data, expectedFrames.Data).Should().BeGreaterThan(20, "random noise quantized to 256 colours");
        var sheet = Png.Read(Path.Combine(TempPath, "clip_contact.png"));
        (sheet.Height, sheet.Width).Should().Be((2 * 8 + 3 * 2, 4 * 10 + 5 * 2));
        using var clip0 = bytes[0];
        sheet.Data.AsSpan((2 * sheet.Width + 2) * 3, 3).ToArray().Should().Equal(VideoFrames.FromTensor(clip0).Frame(0)[..3].ToArray(),
            "the first cell starts after the 2-pixel border with clip 0, frame 0");
        using var npy = Npy.Read(Path.Combine(TempPath, "clip.npy"));
        Tensors.MaxAbsDiff(npy, batch).Should().Be(0);
    }

    [Fact]
    public void SaveGif_Clip_WritesExactFramesForFewColours()
    {
        using var clip = tensor(new float[] { -1, 1, 0, 1 }).view(1, 2, 1, 2).expand(3, 2, 1, 2).contiguous();
        var path = Path.Combine(TempPath, "c.gif");

        VideoExport.SaveGif(path, clip);

        var frames = Gif.Read(path).Frames;
        frames.Data.Should().Equal(VideoTensors.ToFrames(clip).Data);
    }

    [Fact]
    public void SaveBatch_NotABatch_ThrowsArgumentExceptionWithPattern()
    {
        using var clip = zeros(3, 4, 8, 8);

        var act = () => VideoExport.SaveBatch(TempPath, clip);

        act.Should().Throw<ArgumentException>().WithMessage("*[B, C, T, H, W]*[3, 4, 8, 8]*");
    }

    [Fact]
    public void SaveGif_NonFiniteValue_ThrowsNamingTheClipAndTheFirstPosition()
    {
        using var clip = zeros(3, 4, 5, 6);
        clip[1, 2, 3, 4] = tensor(float.NaN);
        clip[2, 3, 0, 0] = tensor(float.PositiveInfinity);
        var path = Path.Combine(TempPath, "x.gif");

        var act = () => VideoExport.SaveGif(path, clip);

        act.Should().Throw<ArgumentException>().WithParameterName("clip")
            .WithMessage("*non-finite*NaN*channel 1, frame 2, row 3, column 4*");
        File.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void SaveMp4_NonFiniteValue_ThrowsBeforeLookingForFfmpeg()
    {
        using var clip = zeros(1, 2, 4, 4);
        clip[0, 1, 0, 2] = tensor(float.NegativeInfinity);
        var options = new Mp4WriteOptions { Ffmpeg = new FfmpegOptions { ExecutablePath = Path.Combine(TempPath, "no-ffmpeg-here") } };

        var act = () => VideoExport.SaveMp4(Path.Combine(TempPath, "x.mp4"), clip, options);

        act.Should().Throw<ArgumentException>().WithParameterName("clip").WithMessage("*-Infinity*channel 0, frame 1, row 0, column 2*");
    }

    [Fact]
    public void SaveContactSheetAndSaveBatch_NonFiniteValue_ThrowNamingTheBatchAndTheFirstPosition()
    {
        using var batch = zeros(new long[] { 2, 3, 2, 4, 4 }, ScalarType.Float64);
        batch[1, 0, 1, 2, 3] = tensor(double.NaN);

        var sheet = () => VideoExport.SaveContactSheet(Path.Combine(TempPath, "sheet.png"), batch);
        var render = () => ContactSheet.Render(batch);
        var save = () => VideoExport.SaveBatch(TempPath, batch);

        foreach (var act in new Action[] { () => sheet(), () => render(), () => save() })
        {
            act.Should().Throw<ArgumentException>().WithParameterName("batch").WithMessage("*NaN*clip 1, channel 0, frame 1, row 2, column 3*");
        }
        Directory.GetFiles(TempPath).Should().BeEmpty("nothing is written for a batch that cannot be shown");
    }

    [Fact]
    public void SaveGifAndSaveBatch_Repeatedly_LeakNoTensors()
    {
        using var batch = rand(new long[] { 2, 3, 2, 4, 4 }, generator: Tensors.Seeded(3)).mul(2).sub(1);
        using var clip = batch[0];

        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                VideoExport.SaveGif(Path.Combine(TempPath, "x.gif"), clip);
                VideoExport.SaveBatch(TempPath, batch);
            }
        });

        growth.Should().Be(0);
    }
}
