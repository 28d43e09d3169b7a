using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class IdxTests : TempDirectoryTests
{
    [Theory]
    [InlineData("images-idx3-ubyte")]
    [InlineData("images-idx3-ubyte.gz")]
    public void ReadImages_MnistStyleFile_ReturnsUint8Images(string file)
    {
        using var images = Mnist.ReadImages(Fixtures.Path("Arrays", file));

        images.dtype.Should().Be(ScalarType.Byte);
        images.shape.Should().Equal(3, 5, 4);
        images.data<byte>().ToArray().Should().Equal(Enumerable.Range(0, 60).Select(k => (byte)(k * 7 % 256)));
    }

    [Theory]
    [InlineData("labels-idx1-ubyte")]
    [InlineData("labels-idx1-ubyte.gz")]
    public void ReadLabels_MnistStyleFile_ReturnsInt64Labels(string file)
    {
        using var labels = Mnist.ReadLabels(Fixtures.Path("Arrays", file));

        labels.dtype.Should().Be(ScalarType.Int64);
        labels.data<long>().ToArray().Should().Equal(7, 2, 9);
    }

    [Theory]
    [InlineData("f4-idx3", "f4")]
    [InlineData("i2-idx3", "i2")]
    [InlineData("f8-idx3", "f8")]
    public void Read_BigEndianMultiByteTypes_SwapsToHostOrder(string file, string code)
    {
        using var tensor = Idx.Read(Fixtures.Path("Arrays", file));

        tensor.dtype.Should().Be(ArrayValues.DType(code));
        tensor.shape.Should().Equal(ArrayValues.Shape);
        ArrayValues.Read(tensor).Should().Equal(ArrayValues.Values(code));
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("i1")]
    [InlineData("i2")]
    [InlineData("i4")]
    [InlineData("f4")]
    [InlineData("f8")]
    public void WriteRead_SupportedTypes_RoundTripsExactly(string code)
    {
        using var original = ArrayValues.Tensor(code);
        var path = Path.Combine(TempPath, code + ".idx");

        Idx.Write(path, original);
        using var back = Idx.Read(path);

        ArrayValues.Read(back).Should().Equal(ArrayValues.Values(code));
    }

    [Fact]
    public void Write_Float32_IsByteIdenticalToTheFixture()
    {
        using var original = ArrayValues.Tensor("f4");
        var path = Path.Combine(TempPath, "f4.idx");

        Idx.Write(path, original);

        File.ReadAllBytes(path).Should().Equal(File.ReadAllBytes(Fixtures.Path("Arrays", "f4-idx3")));
    }

    [Fact]
    public void Decode_DimensionsClaimingMoreThanTheFile_ThrowsBeforeAllocating()
    {
        byte[] bytes = [0, 0, 0x08, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0x10, 0, 0, 0, 0, 28, 1, 2, 3];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Idx.Decode(bytes);

        act.Should().Throw<InvalidDataException>().WithMessage("*declares*but 3 follow*byte offset 16*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    [Fact]
    public void ReadImages_LabelFile_ThrowsInvalidDataExceptionNamingTheLayout()
    {
        var act = () => Mnist.ReadImages(Fixtures.Path("Arrays", "labels-idx1-ubyte"));

        act.Should().Throw<InvalidDataException>().WithMessage("*expected uint8 images [N, H, W]*");
    }

    [Fact]
    public void Decode_ZeroDimensionBesideHugeOnes_ThrowsNamingTheDimensionsBeforeAnyTensor()
    {
        // 0 x (2^31 - 1)^3 holds no data, but libtorch's stride calculation would overflow.
        byte[] bytes = [0, 0, 0x08, 4, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF];

        var act = () => Idx.Decode(bytes);

        act.Should().Throw<InvalidDataException>().WithMessage("*[0, 2147483647, 2147483647, 2147483647]*2^62*byte offset 4*");
    }

    [Fact]
    public void DecodeGzip_ClaimBeyondTheData_AllocatesOnlyWhatArrives()
    {
        // 2,100 incompressible bytes, so the 2 MiB claim is within deflate's 1032:1 bound and only the data can refute it.
        var data = new byte[2100];
        new Random(5).NextBytes(data);
        var bytes = Gzip(IdxHeader(1, 1024, 2048), data);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Idx.Decode(bytes);

        act.Should().Throw<InvalidDataException>().WithMessage("*declares 2097152 data bytes*holds 2100*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(512 * 1024, "nothing is allocated from the header's claim");
    }

    [Fact]
    public void DecodeGzip_ValidFile_HoldsTheDataOnceInManagedMemory()
    {
        // Compressible (a 251-byte cycle), so the input is small and the decompressed data dominates what is allocated.
        var data = Enumerable.Range(0, 4 << 20).Select(i => (byte)(i % 251)).ToArray();
        var bytes = Gzip(IdxHeader(64, 256, 256), data);
        var before = GC.GetAllocatedBytesForCurrentThread();

        using var tensor = Idx.Decode(bytes);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        tensor.shape.Should().Equal(64, 256, 256);
        tensor.data<byte>().ToArray().Should().Equal(data);
        allocated.Should().BeLessThan(data.Length + (2L << 20), "the decompressed data is buffered once, then copied into the tensor");
    }

    private static byte[] IdxHeader(params int[] shape)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var i = 0; i < shape.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), shape[i]);
        }
        return header;
    }

    private static byte[] Gzip(byte[] header, byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(header);
            gzip.Write(data);
        }
        return output.ToArray();
    }
}
