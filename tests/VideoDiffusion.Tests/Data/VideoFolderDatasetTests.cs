using VideoDiffusion.Data;
using VideoDiffusion.IO;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Data;

public sealed class VideoFolderDatasetTests
{
    /// <summary>A small RGB clip with few colours (exact through GIF and PNG): a block moving right over a gradient.</summary>
    private static VideoFrames Clip(int frames, int height, int width, int seed)
    {
        var data = new byte[frames * height * width * 3];
        for (var t = 0; t < frames; t++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var i = ((t * height + y) * width + x) * 3;
                    var inBlock = x >= t + seed && x < t + seed + 3 && y >= 2 && y < 5;
                    data[i] = inBlock ? (byte)250 : (byte)(x * 16);
                    data[i + 1] = inBlock ? (byte)40 : (byte)(y * 16);
                    data[i + 2] = (byte)(seed * 60);
                }
            }
        }
        return new VideoFrames(data, frames, height, width, 3);
    }

    private static double[] Expected(VideoFrames frames)
    {
        using var clip = VideoTensors.FromFrames(frames);
        return Tensors.ToDoubles(clip);
    }

    [Fact]
    public void Get_GifAndPngFolderClips_DecodeExactlyInNameOrder()
    {
        using var dir = TestFiles.Temp();
        var a = Clip(4, 8, 10, seed: 0);
        var b = Clip(3, 6, 6, seed: 1);
        Gif.Write(dir.File("b_clip.gif"), a);
        Png.WriteFrames(dir.File("a_frames"), b);
        File.WriteAllText(dir.File("notes.txt"), "not a clip");
        Directory.CreateDirectory(dir.File("empty"));
        var data = new VideoFolderDataset(dir.Path);
        data.Count.Should().Be(2);
        data.NumClasses.Should().Be(0);
        data.Paths.Select(Path.GetFileName).Should().Equal("a_frames", "b_clip.gif");
        using var first = data.Get(0);
        using var second = data.Get(1);
        first.Label.Should().BeNull();
        first.Clip.shape.Should().Equal(3, 3, 6, 6);
        second.Clip.shape.Should().Equal(3, 4, 8, 10);
        Tensors.ToDoubles(first.Clip).Should().Equal(Expected(b));
        Tensors.ToDoubles(second.Clip).Should().Equal(Expected(a));
        using var cropped = new VideoFolderDataset(dir.Path, new VideoFolderOptions { MaxFrames = 2 }).Get(1);
        cropped.Clip.shape.Should().Equal(3, 2, 8, 10);
    }

    [Fact]
    public void Get_ClassSubdirectories_LabelByFolderAndBatchThroughLoader()
    {
        using var dir = TestFiles.Temp();
        Directory.CreateDirectory(dir.File("cats"));
        Directory.CreateDirectory(dir.File("dogs"));
        Gif.Write(Path.Combine(dir.File("cats"), "1.gif"), Clip(5, 8, 8, seed: 0));
        Gif.Write(Path.Combine(dir.File("cats"), "2.gif"), Clip(6, 8, 8, seed: 1));
        Png.WriteFrames(Path.Combine(dir.File("dogs"), "3"), Clip(5, 8, 8, seed: 2));
        var data = new VideoFolderDataset(dir.Path, new VideoFolderOptions { ClassSubdirectories = true });
        data.Classes.Should().Equal("cats", "dogs");
        data.NumClasses.Should().Be(2);
        Enumerable.Range(0, 3).Select(i =>
        {
            using var example = data.Get(i);
            return example.Label;
        }).Should().Equal(0L, 0L, 1L);
        // Clips of different lengths batch after a temporal crop.
        var loader = new VideoDataLoader(data, new VideoDataLoaderOptions { BatchSize = 3, Augmentation = new RandomTemporalCrop(4) });
        using var batch = loader.Load(new LoaderPosition(0, 0));
        batch.Videos.shape.Should().Equal(3, 3, 4, 8, 8);
    }

    [Fact]
    public void Get_Mp4Clip_DecodesWithFfmpegOrExplainsItsAbsence()
    {
        using var dir = TestFiles.Temp();
        var frames = Clip(6, 16, 16, seed: 0);
        var path = dir.File("clip.mp4");
        if (!Ffmpeg.IsAvailable())
        {
            File.WriteAllBytes(path, [0, 0, 0, 0]);
            FluentActions.Invoking(() => new VideoFolderDataset(dir.Path).Get(0)).Should().Throw<InvalidOperationException>().WithMessage("*ffmpeg*");
            return;
        }
        Mp4.Write(path, frames, new Mp4WriteOptions { Crf = 10 });
        using var example = new VideoFolderDataset(dir.Path).Get(0);
        example.Clip.shape.Should().Equal(3, 6, 16, 16);
        // H.264 in yuv420p is lossy: compare on average (model space, range 2).
        var expected = Expected(frames);
        Tensors.ToDoubles(example.Clip).Zip(expected).Average(p => Math.Abs(p.First - p.Second)).Should().BeLessThan(0.08);
    }

    [Fact]
    public void Constructor_EmptyOrMissingFolder_Throws()
    {
        using var dir = TestFiles.Temp();
        FluentActions.Invoking(() => new VideoFolderDataset(dir.Path)).Should().Throw<ArgumentException>().WithMessage("*holds no clip*");
        FluentActions.Invoking(() => new VideoFolderDataset(dir.File("missing"))).Should().Throw<DirectoryNotFoundException>();
        File.WriteAllBytes(dir.File("bad.gif"), [1, 2, 3]);
        FluentActions.Invoking(() => new VideoFolderDataset(dir.Path).Get(0)).Should().Throw<InvalidDataException>().WithMessage("*bad.gif*");
    }


    [Fact]
    public void Constructor_FifoNamedLikeAClip_ThrowsInsteadOfBlockingOnRead()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // No FIFOs in Windows file systems.
        }
        using var dir = TestFiles.Temp();
        Gif.Write(dir.File("a.gif"), Clip(2, 8, 8, seed: 0));
        mkfifo(dir.File("b.gif"), Convert.ToUInt32("600", 8)).Should().Be(0);

        var act = () => new VideoFolderDataset(dir.Path);

        act.Should().Throw<ArgumentException>().WithParameterName("root").WithMessage("*b.gif*not a regular file*");
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
