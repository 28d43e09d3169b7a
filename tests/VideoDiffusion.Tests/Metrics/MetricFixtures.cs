using System.Globalization;
using VideoDiffusion.IO;
using VideoDiffusion.Tests.IO;

namespace VideoDiffusion.Tests.Metrics;

/// <summary>Loads the metric fixture pairs and the values ffmpeg and the NumPy reference recorded for them.</summary>
internal static class MetricFixtures
{
    /// <summary>The three frames of <c>{prefix}_N.png</c> as a model-space batch <c>[1, 3, 3, 46, 70]</c>.</summary>
    public static Tensor Load(string prefix)
    {
        var frames = Png.ReadFrames(Enumerable.Range(1, 3).Select(n => Fixtures.Path("Metrics", $"{prefix}_{n}.png")));
        using var clip = VideoTensors.FromFrames(frames, ScalarType.Float64);
        return clip.unsqueeze(0);
    }

    /// <summary>Values of <paramref name="key"/> (e.g. <c>All</c>, <c>psnr_avg</c>) per line of an ffmpeg stats file.</summary>
    public static double[] FfmpegStat(string file, string key) =>
        File.ReadAllLines(Fixtures.Path("Metrics", file))
            .Where(l => l.StartsWith("n:", StringComparison.Ordinal))
            .Select(l => l.Split(' ').Single(f => f.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..])
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>Column <paramref name="column"/> (1 = Gaussian SSIM, 2 = PSNR) of gaussian_ssim.txt.</summary>
    public static double[] Reference(int column) =>
        File.ReadAllLines(Fixtures.Path("Metrics", "gaussian_ssim.txt"))
            .Where(l => !l.StartsWith('#'))
            .Select(l => double.Parse(l.Split(' ')[column], CultureInfo.InvariantCulture))
            .ToArray();
}
