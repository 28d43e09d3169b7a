using System.IO.Compression;
using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class PngTests : TempDirectoryTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void EncodeDecode_EveryChannelCount_RoundTripsExactly(int channels)
    {
        var image = TestClips.Gradient(1, 37, 53, channels);

        var decoded = Png.Decode(Png.Encode(image), new PngReadOptions { KeepAlpha = channels == 4 });

        var expected = channels == 4 ? image : image.ToRgb();
        decoded.Data.Should().Equal(expected.Data);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.SmallestSize)]
    public void Encode_AnyCompressionLevel_DecodesInFfmpegToTheSamePixels(CompressionLevel level)
    {
        var image = TestClips.WithColors(300, 1, 21, 34, seed: 4);
        var bytes = Png.Encode(image, 0, level);

        var decoded = ExternalTools.DecodeWithFfmpeg(bytes, ".png", 34, 21);

        Png.Decode(bytes).Data.Should().Equal(image.Data);
        if (decoded is not null)
        {
            decoded.Should().Equal(image.Data);
        }
    }

    [Fact]
    public void WriteFramesReadFolder_Clip_RoundTripsInFrameOrder()
    {
        var clip = TestClips.Gradient(12, 9, 11);

        var paths = Png.WriteFrames(TempPath, clip);
        var back = Png.ReadFolder(TempPath);

        paths.Select(Path.GetFileName).Should().StartWith(["frame_0000.png", "frame_0001.png"]);
        back.Frames.Should().Be(12);
        back.Data.Should().Equal(clip.Data);
        Directory.GetFiles(TempPath).Should().HaveCount(12, "no temporary files are left behind");
    }

    [Fact]
    public void ReadFrames_DifferentSizes_ThrowsInvalidDataException()
    {
        Png.Write(Path.Combine(TempPath, "a.png"), TestClips.Gradient(1, 4, 4));
        Png.Write(Path.Combine(TempPath, "b.png"), TestClips.Gradient(1, 5, 4));

        var act = () => Png.ReadFolder(TempPath);

        act.Should().Throw<InvalidDataException>().WithMessage("*4 x 5*share a size*");
    }

    [Fact]
    public void Decode_CorruptCrc_ThrowsWithChunkOffset()
    {
        var bytes = Png.Encode(TestClips.Gradient(1, 4, 4));
        bytes[20] ^= 1; // inside IHDR's data (chunk at offset 8)

        var act = () => Png.Decode(bytes);

        act.Should().Throw<InvalidDataException>().WithMessage("*CRC mismatch in chunk IHDR*byte offset 8*");
    }

    [Fact]
    public void Decode_HugeDimensionsWithTinyData_ThrowsBeforeAllocating()
    {
        // A valid 1 x 1 PNG whose IHDR claims 30000 x 30000: the deflate bound rejects it before any pixel buffer.
        var bytes = Png.Encode(TestClips.Gradient(1, 1, 1));
        using var patched = new MemoryStream();
        patched.Write(bytes.AsSpan(0, 8));
        Span<byte> ihdr = [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0];
        PngEncoder.WriteChunk(patched, "IHDR"u8, ihdr);
        patched.Write(bytes.AsSpan(33));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Png.Decode(patched.ToArray(), new PngReadOptions { MaxPixels = long.MaxValue });

        act.Should().Throw<InvalidDataException>().WithMessage("*claims 2700030000 bytes*compressed bytes cannot hold*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    [Fact]
    public void Decode_NotPng_ThrowsAtOffsetZero()
    {
        var act = () => Png.Decode("GIF89a...."u8.ToArray());

        act.Should().Throw<InvalidDataException>().WithMessage("*signature*byte offset 0*");
    }

    [Theory]
    [InlineData(8, 2)]
    [InlineData(16, 6)]
    [InlineData(16, 4)]
    public void Decode_MaxDimensionsWithUnlimitedPixels_ThrowsInvalidDataExceptionInsteadOfOverflowing(int bitDepth, int colorType)
    {
        // 2^31 - 1 x 2^31 - 1: the raw size and the output size overflow 64-bit products unless computed with care.
        var bytes = Png.Encode(TestClips.Gradient(1, 1, 1));
        using var patched = new MemoryStream();
        patched.Write(bytes.AsSpan(0, 8));
        Span<byte> ihdr = [0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, (byte)bitDepth, (byte)colorType, 0, 0, 0];
        PngEncoder.WriteChunk(patched, "IHDR"u8, ihdr);
        patched.Write(bytes.AsSpan(33));

        var act = () => Png.Decode(patched.ToArray(), new PngReadOptions { MaxPixels = long.MaxValue });

        act.Should().Throw<InvalidDataException>().WithMessage("*2147483647 x 2147483647*byte offset*");
    }

    [Fact]
    public void Decode_MaxPixelsBelowOne_ThrowsArgumentOutOfRange()
    {
        var bytes = Png.Encode(TestClips.Gradient(1, 1, 1));

        var act = () => Png.Decode(bytes, new PngReadOptions { MaxPixels = 0 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxPixels");
    }
}
