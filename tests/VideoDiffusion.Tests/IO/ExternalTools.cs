using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

/// <summary>
/// Runs ffmpeg as an independent decoder of files we wrote. When ffmpeg is not installed, asserts the documented
/// exception of <see cref="Ffmpeg.Locate"/> instead and returns null, so the calling test degrades clearly.
/// </summary>
internal static class ExternalTools
{
    public static byte[]? DecodeWithFfmpeg(byte[] file, string extension, int width, int height)
    {
        if (!Ffmpeg.IsAvailable())
        {
            AssertMissingFfmpegException();
            return null;
        }
        var path = Path.Combine(Path.GetTempPath(), $"vd-{Guid.NewGuid():N}{extension}");
        try
        {
            File.WriteAllBytes(path, file);
            var result = Ffmpeg.Run(Ffmpeg.Locate(), ["-hide_banner", "-loglevel", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                null, TimeSpan.FromMinutes(1), CancellationToken.None);
            result.ExitCode.Should().Be(0, result.Errors);
            (result.Output.Length % (width * height * 3)).Should().Be(0);
            return result.Output;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static void AssertMissingFfmpegException()
    {
        var act = () => Ffmpeg.Locate();
        act.Should().Throw<InvalidOperationException>().WithMessage("*apt-get install*ffmpeg*GIF*needs nothing*");
    }
}
