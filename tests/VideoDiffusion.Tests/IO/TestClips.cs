using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

/// <summary>Deterministic byte clips for the I/O tests.</summary>
internal static class TestClips
{
    /// <summary>Frames whose pixels use exactly <paramref name="colors"/> distinct RGB colours, in a seeded random arrangement.</summary>
    public static VideoFrames WithColors(int colors, int frames, int height, int width, int seed)
    {
        var random = new Random(seed);
        var palette = new byte[colors * 3];
        var seen = new HashSet<int>();
        for (var i = 0; i < colors; i++)
        {
            int key;
            do
            {
                key = random.Next(1 << 24);
            }
            while (!seen.Add(key));
            palette[3 * i] = (byte)(key >> 16);
            palette[3 * i + 1] = (byte)(key >> 8);
            palette[3 * i + 2] = (byte)key;
        }
        var clip = new VideoFrames(frames, height, width, 3);
        var pixels = frames * height * width;
        for (var p = 0; p < pixels; p++)
        {
            // Every colour appears at least once; the rest is random.
            var c = p < colors ? p : random.Next(colors);
            clip.Data[3 * p] = palette[3 * c];
            clip.Data[3 * p + 1] = palette[3 * c + 1];
            clip.Data[3 * p + 2] = palette[3 * c + 2];
        }
        return clip;
    }

    /// <summary>
    /// A moving colour gradient with a blue ripple of <paramref name="ripple"/> radians per pixel (thousands of colours).
    /// </summary>
    public static VideoFrames Gradient(int frames, int height, int width, int channels = 3, double ripple = 0.15)
    {
        var clip = new VideoFrames(frames, height, width, channels);
        for (var t = 0; t < frames; t++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var o = ((t * height + y) * width + x) * channels;
                    var r = (byte)(255.0 * x / Math.Max(1, width - 1));
                    var g = (byte)(255.0 * y / Math.Max(1, height - 1));
                    var b = (byte)(127.5 + 127.5 * Math.Sin(ripple * (x + y) + 0.6 * t));
                    if (channels == 1)
                    {
                        clip.Data[o] = (byte)((r + g + b) / 3);
                        continue;
                    }
                    clip.Data[o] = r;
                    clip.Data[o + 1] = g;
                    clip.Data[o + 2] = b;
                    if (channels == 4)
                    {
                        clip.Data[o + 3] = (byte)(x * 7 + y);
                    }
                }
            }
        }
        return clip;
    }

    /// <summary>PSNR in dB between two byte buffers of one length (peak 255).</summary>
    public static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        var mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
