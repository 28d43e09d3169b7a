using System.Buffers.Binary;
using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

/// <summary>
/// Every reader survives 10,000 seeded mutants of valid files with only <see cref="InvalidDataException"/> (or
/// <see cref="EndOfStreamException"/>), no hang, and no allocation beyond what the input's length permits. Each reader
/// gets 12 s of the 60 s the five may take together.
/// </summary>
public sealed class ReaderFuzzTests
{
    private const int Mutants = 10_000;
    private static readonly TimeSpan PerReader = TimeSpan.FromSeconds(12);

    [Fact]
    public void Gif_10000Mutants_OnlyInvalidDataWithinBudget()
    {
        // The canvas and the decoded frames are bounded by these options, not by the file (GIF lets a few bytes declare
        // a 65535 x 65535 canvas): with them, nothing else a header says may drive an allocation.
        var options = new GifReadOptions { MaxPixels = 1 << 12, MaxOutputBytes = 1 << 20 };
        byte[][] seeds =
        [
            Gif.Encode(TestClips.WithColors(2, 2, 6, 7, seed: 1)),
            Gif.Encode(TestClips.WithColors(40, 2, 9, 8, seed: 2), new GifWriteOptions { Palette = GifPaletteMode.PerFrame, LoopCount = 3 }),
            File.ReadAllBytes(Fixtures.Path("Images", "ffmpeg_palette.gif")),
            File.ReadAllBytes(Fixtures.Path("Images", "im_dispose_previous.gif")),
            File.ReadAllBytes(Fixtures.Path("Images", "im_transparent.gif")),
        ];
        var report = Fuzzer.Run(seeds, b => Gif.Decode(b, options), Mutants, seed: 101,
            length => (1 << 20) + 64 * length + 12 * options.MaxPixels + 2 * options.MaxOutputBytes, fixup: null, PerReader);

        Check("GIF", report);
    }

    [Fact]
    public void Png_10000Mutants_OnlyInvalidDataWithinBudget()
    {
        byte[][] seeds =
        [
            Png.Encode(TestClips.Gradient(1, 5, 6, channels: 1)),
            Png.Encode(TestClips.Gradient(1, 6, 5, channels: 4)),
            File.ReadAllBytes(Fixtures.Path("Images", "ffmpeg_pal8.png")),
            File.ReadAllBytes(Fixtures.Path("Images", "im_gray2_adam7.png")),
            File.ReadAllBytes(Fixtures.Path("Images", "ffmpeg_ya8.png")),
        ];
        var alpha = new PngReadOptions { KeepAlpha = true };
        var toggle = 0;
        // Deflate expands at most 1032:1 and a 1-bit pixel becomes 4 output bytes (32x): the decoder may allocate that.
        var report = Fuzzer.Run(seeds, b => Png.Decode(b, toggle++ % 2 == 0 ? alpha : null), Mutants, seed: 202,
            length => (1 << 20) + 1032L * length * 34, FixPngCrcs, PerReader);

        Check("PNG", report);
    }

    [Fact]
    public void Npy_10000Mutants_OnlyInvalidDataWithinBudget()
    {
        byte[][] seeds = new[] { "f4_c.npy", "b1_f.npy", "i8_big_f.npy", "f4_v3.npy", "scalar_f8.npy", "empty_u1.npy" }
            .Select(f => File.ReadAllBytes(Fixtures.Path("Arrays", f))).ToArray();
        var report = Fuzzer.Run(seeds, b =>
        {
            using var t = Npy.Read(new MemoryStream(b));
            (t.numel() * t.ElementSize).Should().BeLessThanOrEqualTo(b.Length);
        }, Mutants, seed: 303, length => (1 << 18) + 8 * length, fixup: null, PerReader);

        Check("NPY", report);
    }

    [Fact]
    public void SafeTensors_10000Mutants_OnlyInvalidDataWithinBudget()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(2, 3);
        using var b = tensor(new long[] { 7, -8 });
        using var stream = new MemoryStream();
        SafeTensors.Save(stream, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, string> { ["k"] = "v" });
        byte[][] seeds = [stream.ToArray(), File.ReadAllBytes(Fixtures.Path("Arrays", "sequential.safetensors"))];
        var report = Fuzzer.Run(seeds, bytes =>
        {
            using var file = SafeTensors.Load(new MemoryStream(bytes));
            file.Tensors.Values.Sum(t => t.numel() * t.ElementSize).Should().BeLessThanOrEqualTo(bytes.Length);
        }, Mutants, seed: 404, length => (1 << 18) + 32 * length, fixup: null, PerReader);

        Check("safetensors", report);
    }

    [Fact]
    public void Idx_10000Mutants_OnlyInvalidDataWithinBudget()
    {
        byte[][] seeds = new[] { "images-idx3-ubyte", "labels-idx1-ubyte", "f4-idx3", "i2-idx3", "images-idx3-ubyte.gz" }
            .Select(f => File.ReadAllBytes(Fixtures.Path("Arrays", f))).ToArray();
        var report = Fuzzer.Run(seeds, bytes =>
        {
            using var t = Idx.Decode(bytes);
            (t.numel() * t.ElementSize).Should().BeLessThanOrEqualTo(bytes[0] == 0x1F ? 1032L * bytes.Length : bytes.Length);
        }, Mutants, seed: 505, length => (1 << 18) + 1032L * 2 * length + 8 * length, fixup: null, PerReader);

        Check("IDX", report);
    }

    private static void Check(string format, Fuzzer.Report report)
    {
        Console.WriteLine($"{format}: {report.Inputs} mutants, {report.Accepted} accepted, {report.Rejected} rejected, " +
            $"max allocation {report.MaxAllocated} bytes, slowest {report.Slowest.TotalMilliseconds:F1} ms, total {report.Elapsed.TotalSeconds:F2} s");
        report.Failures.Should().BeEmpty();
        report.Rejected.Should().BeGreaterThan(report.Inputs / 10, "most mutants are corrupt");
    }

    /// <summary>Recomputes the CRC of every PNG chunk whose length fits, so mutants get past the CRC check.</summary>
    private static byte[] FixPngCrcs(byte[] data)
    {
        var p = 8;
        while (p + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(p));
            if (length > data.Length - p - 12)
            {
                break;
            }
            var crc = Crc32.Compute(data.AsSpan(p + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(p + 8 + (int)length), crc);
            p += 12 + (int)length;
        }
        return data;
    }
}
